"""Pages every deployment has: liveness, readiness, metrics, and the API reference."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from core import api_reference as reference_page
from core import metrics as exposition
from core.health import run_checks


def api_reference(request):
    """The API's reference for developers, written from its OpenAPI schema in the page's language."""
    return render(
        request,
        "core/api_reference.html",
        {
            "reference": reference_page.reference(get_language()),
            "base_url": request.build_absolute_uri("/api/v1/"),
        },
    )


@never_cache
def healthz(request):
    """Liveness (/healthz, alias /livez): the process answers; nothing else is checked, so a
    database outage never gets a healthy web process restarted."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness: database, pending migrations, broker, cache; 503 naming what failed."""
    healthy, report = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": report},
        status=200 if healthy else 503,
    )


@never_cache
def metrics(request):
    """Prometheus metrics, for allowed networks or the scrape token; anyone else gets the site's
    ordinary 404 (the endpoint is not advertised)."""
    if not exposition.scrape_allowed(request):
        raise Http404
    body, content_type = exposition.exposition()
    return HttpResponse(body, content_type=content_type)
