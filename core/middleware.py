"""Requests no real person sends are refused before any view runs; the API answers its errors
in JSON."""

import codecs

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RejectNulCharacters:
    """A NUL character in the path, the query string or a form field is a 400.

    PostgreSQL text cannot hold NUL, so such a value reaching a query is a database error (a
    500) wherever a view filters on free text; no browser or person types one. JSON bodies are
    checked by the API's parser (core.api.LimitedJSONParser).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path_info
            or _has_nul(request.GET)
            or (request.method == "POST" and _has_nul(request.POST))
        ):
            message = _("The request contains a NUL character, which no field accepts.")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


# The content types whose body Django or DRF decodes with the charset the client names.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def unreadable_charset(content_type: str) -> bool:
    """True when the Content-Type names a charset no body can be read with: unknown to Python
    ("rot14"), not a text encoding (rot13, base64, hex, zlib: codecs.decode() material, on which
    str.decode raises LookupError), or, for form bodies, anything but UTF-8 (Django reads forms in
    UTF-8 only). Absent: the default, UTF-8."""
    media_type, _sep, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        name, _eq, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').strip()
    if charset is None:
        return False
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):
        return True
    if not getattr(info, "_is_text_encoding", True):
        return True
    return media_type.strip().lower() in FORM_TYPES and info.name != "utf-8"


class RejectUnreadableCharsets:
    """A body in a character set it cannot be read in is a 415, before anything reads it.

    Left to Django and DRF, `charset=rot13` (base64, hex, zlib) passed their `codecs.lookup` check
    and then failed to decode: a LookupError, a 500 (issue 18). Placed before the CSRF check, the
    first reader of `request.POST`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if unreadable_charset(request.META.get("CONTENT_TYPE", "")):
            from .error_pages import api_error, is_api, status_message

            message = status_message(415)
            if is_api(request):
                return api_error(415, message)
            return render(request, "400.html", {"message": message}, status=415)
        return self.get_response(request)


class ApiErrorsAsJson:
    """Under /api/, an error answer that is not JSON becomes the API's error shape (`{"detail":
    …}`, the same status, headers and cookies): answers made outside DRF — Django's handlers, a
    plain view's 405 — keep the documented format (core.error_pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
            and not response.streaming
        ):
            from .error_pages import api_error

            replacement = api_error(response.status_code)
            for header, value in response.headers.items():
                if header.lower() not in ("content-type", "content-length"):
                    replacement[header] = value
            replacement.cookies = response.cookies
            return replacement
        return response
