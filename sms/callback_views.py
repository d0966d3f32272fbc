"""What providers post back: delivery receipts and replies (STOP), each authenticated.

Twilio signs with the account's auth token (X-Twilio-Signature over the full URL and the form
fields: twilio's RequestValidator); the government gateway with an HMAC-SHA256 over the
timestamp and the body (sms.providers.http_gateway). A wrong signature is a 403 and changes
nothing. Nothing here logs a number.
"""

import json
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sms import services
from sms.providers import http_gateway, twilio_sms

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


def _twilio_valid(request) -> bool:
    if not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.SITE_URL + request.get_full_path()
    validator = twilio_sms.RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(url, request.POST.dict(), request.headers.get("X-Twilio-Signature", ""))


@csrf_exempt
@require_POST
def twilio_status(request):
    if not _twilio_valid(request):
        logger.warning("Twilio status callback refused: bad signature")
        return HttpResponseForbidden()
    code = request.POST.get("ErrorCode", "")
    services.record_receipt(
        reference=request.GET.get("ref", ""),
        provider="twilio",
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=code,
        number_refused=code in twilio_sms.UNDELIVERABLE_NUMBER_CODES,
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request):
    if not _twilio_valid(request):
        logger.warning("Twilio inbound message refused: bad signature")
        return HttpResponseForbidden()
    stopped = services.record_reply(number=request.POST.get("From", ""), body=request.POST.get("Body", ""))
    logger.info("Twilio inbound message: %s person(s) stopped texts", stopped)
    # An empty TwiML answer: Twilio's Advanced Opt-Out answers STOP itself.
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml")


def _gateway_payload(request) -> dict | None:
    secret = settings.SMS_HTTP_CALLBACK_SECRET
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY or not http_gateway.valid_signature(
        secret,
        request.headers.get(http_gateway.TIMESTAMP_HEADER, ""),
        body,
        request.headers.get(http_gateway.SIGNATURE_HEADER, ""),
    ):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@csrf_exempt
@require_POST
def gateway_status(request):
    data = _gateway_payload(request)
    if data is None:
        logger.warning("SMS gateway status callback refused: bad signature")
        return HttpResponseForbidden()
    error = str(data.get("error") or "")
    message = services.record_receipt(
        reference=str(data.get("reference") or request.GET.get("ref", "")),
        provider="http",
        provider_id=str(data.get("id") or ""),
        status=str(data.get("status") or ""),
        error_code=error,
        number_refused=error in http_gateway.INVALID_NUMBER_ERRORS,
    )
    if message is None:
        return JsonResponse({"detail": "Unknown message."}, status=404)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def gateway_inbound(request):
    data = _gateway_payload(request)
    if data is None:
        logger.warning("SMS gateway inbound message refused: bad signature")
        return HttpResponseForbidden()
    stopped = services.record_reply(number=str(data.get("from") or ""), body=str(data.get("body") or ""))
    logger.info("SMS gateway inbound message: %s person(s) stopped texts", stopped)
    return HttpResponse(status=204)
