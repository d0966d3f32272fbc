"""The database is unreachable (PostgreSQL restarting, failing over): a clear 503, not a 500.

A lost or refused connection is not a bug of the page: the visitor is told to try again in a few
seconds (`Retry-After`), API clients get `{"detail": ...}`, and the next request opens a new
connection (Django drops a connection that failed; CONN_HEALTH_CHECKS checks a kept one before
reusing it), so the service recovers by itself when the database is back.

Two entry points, one answer: `DatabaseUnavailableMiddleware` for errors raised by a view (no
"Internal Server Error" logged, no traceback emailed) and `core.error_pages.server_error`,
the project's handler500, for errors raised by a middleware (the session or the signed-in user
loaded from the database).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(error: BaseException | None) -> bool:
    """A connection-level database error (refused, reset, server shutting down or starting)."""
    return isinstance(error, DATABASE_ERRORS)


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, else the 503 page (rendered without the database:
    no context processors, so no signed-in user to load)."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        try:
            # The same address again (a GET), never a "//host" link to elsewhere.
            retry_url = escape_leading_slashes(request.get_full_path()) if request.method == "GET" else ""
            body = render_to_string("503.html", {"message": message, "retry_url": retry_url})
        except Exception:  # the page must answer whatever else is broken
            logger.exception("the 503 page could not be rendered")
            body = message
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view's database connection error → 503 (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            logger.warning("database unavailable, 503 for %s: %s", request.path, exception)
            return unavailable_response(request)
        return None
