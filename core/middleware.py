"""Requests no real person sends are refused before any view runs."""

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
