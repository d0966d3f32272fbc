"""A government SMS gateway over HTTPS: the protocol this service speaks to it.

Send: `POST SMS_HTTP_URL` with `Authorization: Bearer SMS_HTTP_TOKEN`, `Idempotency-Key: <our
message reference>` and a JSON body `{"to": "+18195550101", "body": "…", "reference": "<uuid>",
"callback_url": "https://…/sms/gateway/status"}`. The gateway answers 2xx with `{"id": "…"}`; a
second request with the same Idempotency-Key sends nothing more and answers the same id — so a
text whose answer was lost is simply asked again (exactly once, as the phone sees it). 4xx is a
refusal (`{"error": "invalid_number" | "opted_out" | …}`), never retried; 429 and 5xx are retried.

Callbacks (delivery receipts to `sms_callbacks:gateway_status`, replies such as STOP to
`sms_callbacks:gateway_inbound`): JSON, with `X-Gateway-Timestamp: <unix seconds>` and
`X-Gateway-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with SMS_HTTP_CALLBACK_SECRET>`;
refused when the signature is wrong or the timestamp more than 5 minutes away.
Receipt: `{"id": "…", "reference": "…", "status": "delivered" | "undelivered" | "failed" | …,
"error": "invalid_number" | …}`; reply: `{"from": "+18195550101", "body": "STOP"}`.
"""

import hashlib
import hmac
import time

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sms.providers.base import Provider, SendError, Sent

SIGNATURE_HEADER = "X-Gateway-Signature"
TIMESTAMP_HEADER = "X-Gateway-Timestamp"
TOLERANCE_SECONDS = 300
INVALID_NUMBER_ERRORS = frozenset({"invalid_number", "not_mobile", "unknown_subscriber"})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def valid_signature(
    secret: str, timestamp: str, body: bytes, given: str, *, now: float | None = None
) -> bool:
    if not (secret and timestamp and given):
        return False
    try:
        age = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= TOLERANCE_SECONDS and hmac.compare_digest(signature(secret, timestamp, body), given)


class HttpGatewayProvider(Provider):
    name = "http"
    idempotent = True
    accepts_replies = True

    def __init__(self, *, url: str, token: str, callback_secret: str, timeout: float):
        self.url = url
        self.token = token
        self.callback_secret = callback_secret
        self.timeout = timeout
        self.session = requests.Session()

    @classmethod
    def from_settings(cls, **overrides) -> "HttpGatewayProvider":
        values = {
            "url": settings.SMS_HTTP_URL,
            "token": settings.SMS_HTTP_TOKEN,
            "callback_secret": settings.SMS_HTTP_CALLBACK_SECRET,
            "timeout": settings.SMS_TIMEOUT_SECONDS,
            **overrides,
        }
        if not (values["url"] and values["token"] and values["callback_secret"]):
            raise ImproperlyConfigured(
                "SMS_PROVIDER=http needs SMS_HTTP_URL, SMS_HTTP_TOKEN and SMS_HTTP_CALLBACK_SECRET."
            )
        return cls(**values)

    def send(self, *, to: str, body: str, reference: str, callback_url: str) -> Sent:
        try:
            response = self.session.post(
                self.url,
                json={"to": to, "body": body, "reference": reference, "callback_url": callback_url},
                headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": reference},
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
            )
        except requests.RequestException:
            # Safe to ask again: the gateway sends one text per Idempotency-Key.
            raise SendError("The SMS gateway could not be reached.", outcome="retry") from None
        if 200 <= response.status_code < 300:
            try:
                provider_id = str(response.json()["id"])[:64]
            except (ValueError, KeyError, TypeError):
                raise SendError("The SMS gateway's answer has no id.", outcome="retry") from None
            return Sent(provider_id)
        try:
            error = str(response.json().get("error", ""))[:20]
        except (ValueError, AttributeError):
            error = ""
        if response.status_code == 429 or response.status_code >= 500:
            raise SendError(f"The SMS gateway answered {response.status_code}.", outcome="retry", code=error)
        if error == "opted_out":
            raise SendError(
                "The person stopped texts (STOP).", outcome="permanent", code=error, opted_out=True
            )
        raise SendError(
            f"The SMS gateway refused the text ({response.status_code}).",
            outcome="permanent",
            code=error,
            invalid_number=error in INVALID_NUMBER_ERRORS,
        )

    def valid_signature(self, timestamp: str, body: bytes, given: str) -> bool:
        return valid_signature(self.callback_secret, timestamp, body, given)
