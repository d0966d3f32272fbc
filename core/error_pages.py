"""The error answers (handler400, handler403, handler404, handler500) and the API's error shape.

Two rules, found by the black-box test of issue 18:

- An error handler cannot fail. Django's own handlers are wrapped in `requires_csrf_token`, which
  runs the CSRF check again, which reads `request.POST`: when the body is what made the request
  fail (a form in ISO-8859-1, a body over DATA_UPLOAD_MAX_MEMORY_SIZE), the handler failed the same
  way, and so did the 500 handler after it, until gunicorn answered its bare 500 page with no
  access line. These handlers never touch `request.POST` or the body, and a page that cannot be
  rendered falls back to a line of text.
- Under /api/, every error is JSON in the documented shape, `{"detail": "…"}` (400 with fields:
  field → messages; 409: also `code`): `api_error` builds it, and `core.middleware.
  ApiErrorsAsJson` applies it to any answer a layer outside DRF made (Django's 400/404/413/500,
  a plain view's 405).
"""

import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.unavailable import is_database_outage, unavailable_response

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def status_message(status: int) -> str:
    """What an error status means, in the request's language (the `detail` of the API's errors)."""
    messages = {
        400: _("The request could not be read: check its parameters, headers and body."),
        401: _("Authentication credentials were not provided or are not valid."),
        403: _("You do not have permission to do this."),
        404: _("Nothing was found at this address."),
        405: _("This method is not allowed here."),
        406: _("Only JSON answers can be given (Accept: application/json)."),
        413: _("The request body is too large."),
        415: _("The body's type or character set is not supported: send JSON or a form, in UTF-8."),
        429: _("Too many requests: wait the number of seconds in Retry-After."),
        503: _("The service is briefly unavailable. Please try again in a few seconds."),
    }
    if status in messages:
        return messages[status]
    return _("The server could not answer this request.") if status >= 500 else messages[400]


def api_error(status: int, detail: str | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail or status_message(status)}, status=status)


def _page(request, template: str, status: int, context: dict | None = None) -> HttpResponse:
    """The error page, or one line of text if even that cannot be rendered (database away, a
    template error): the handler must answer whatever else is broken."""
    if is_api(request):
        return api_error(status, (context or {}).get("message"))
    try:
        body = render_to_string(template, context or {}, request=request)
    except Exception:
        logger.exception("the %s page could not be rendered", status)
        body = (context or {}).get("message") or status_message(status)
        return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    """handler400; a body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413, as the API's parser says."""
    if isinstance(exception, RequestDataTooBig):
        return _page(request, "400.html", 413, {"message": status_message(413)})
    return _page(request, "400.html", 400)


def permission_denied(request, exception=None):
    return _page(request, "403.html", 403)


def page_not_found(request, exception=None):
    return _page(request, "404.html", 404)


def server_error(request, *args, **kwargs):
    """handler500: a database outage raised outside a view is a 503; anything else a 500 page
    without template or context processors (they may need what just failed)."""
    if is_database_outage(sys.exc_info()[1]):
        return unavailable_response(request)
    if is_api(request):
        return api_error(500)
    message = status_message(500)
    return HttpResponse(
        format_html(
            "<!doctype html><html><head><title>{}</title></head><body><h1>{}</h1></body></html>",
            message,
            message,
        ),
        status=500,
    )
