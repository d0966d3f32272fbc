"""Public pages (home, about), health, the network overview and the dashboards for managers and
administrators."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.access import Role, can_view_directorate, directorates_visible_to, role_of, role_required
from advisors.models import Advisor
from appointments.models import Topic
from core import api_reference as api_reference_selectors
from core import metrics as metrics_exposition
from core.health import run_checks
from dashboards import selectors as dashboard_selectors
from midi_regions import selectors
from midi_regions.models import AdministrativeRegion, RegionalDirectorate
from service_points.models import Municipality, ServicePoint


def home(request):
    return render(
        request,
        "midi_regions/home.html",
        {
            "topics": Topic.objects.filter(is_active=True),
            "figures": {
                "regions": AdministrativeRegion.objects.count(),
                "service_points": ServicePoint.objects.filter(is_active=True).count(),
                "municipalities": Municipality.objects.filter(service_points__is_active=True)
                .distinct()
                .count(),
                "advisors": Advisor.objects.filter(is_active=True).count(),
            },
        },
    )


def about(request):
    return render(
        request,
        "midi_regions/about.html",
        {
            "directorates": selectors.directorates_with_counts(
                RegionalDirectorate.objects.all()
            ).prefetch_related("regions"),
            "staff_in_regions": settings.MINISTRY_STAFF_IN_REGIONS,
        },
    )


def api_reference(request):
    """The API's reference for developers, written from its OpenAPI schema in the page's language."""
    return render(
        request,
        "midi_regions/api_reference.html",
        {
            "reference": api_reference_selectors.reference(get_language()),
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
    if not metrics_exposition.scrape_allowed(request):
        raise Http404
    body, content_type = metrics_exposition.exposition()
    return HttpResponse(body, content_type=content_type)


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def network(request):
    """All directorates side by side: the manager sees theirs, the administrator all six."""
    directorates = selectors.directorates_with_counts(directorates_visible_to(request.user))
    return render(request, "midi_regions/network.html", {"directorates": directorates})


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def directorate_detail(request, code: str):
    directorate = get_object_or_404(RegionalDirectorate, code=code)
    if not can_view_directorate(request.user, directorate):
        # Another directorate's page is private: say it does not exist rather than "forbidden".
        raise Http404
    return render(request, "midi_regions/directorate.html", selectors.directorate_overview(directorate))


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def dashboard(request, code: str | None = None):
    """A directorate's dashboard (its manager, administrators), or the national one (code None:
    administrators). 15 queries whatever the volume: scope and filter choices (4), figures (10),
    the menu's inbox count (1)."""
    catalogue = dashboard_selectors.Catalogue.for_user(request.user, code)
    if catalogue is None:
        raise Http404
    directorates = catalogue.directorates
    form = dashboard_selectors.FilterForm(request.GET, catalogue=catalogue)
    context = {"form": form, "directorates": directorates, "code": code}
    if not form.is_valid():
        return render(request, "midi_regions/dashboard.html", context, status=400)
    filters = form.filters()
    figures = dashboard_selectors.figures(filters, catalogue=catalogue)
    context.update(
        filters=filters,
        query=urlencode(filters.query()),
        figures=figures,
        side_by_side=figures["by_directorate"] if code is None else None,
        export_urls=_export_urls(code),
        **_charts(figures),
    )
    return render(request, "midi_regions/dashboard.html", context)


def _export_urls(code: str | None) -> dict:
    if code is None:
        return {
            "appointments": reverse("midi_regions:national_export_appointments"),
            "requests": reverse("midi_regions:national_export_requests"),
        }
    return {
        "appointments": reverse("midi_regions:export_appointments", kwargs={"code": code}),
        "requests": reverse("midi_regions:export_requests", kwargs={"code": code}),
    }


def _charts(figures: dict) -> dict:
    """The data the charts draw (static/js/dashboard.js), labels translated here."""
    weeks = figures["weeks"]
    return {
        "chart_weeks": {
            "labels": [date_format(w["week"], "j M") for w in weeks],
            "datasets": [
                {"label": str(label), "data": [w[key] for w in weeks], "key": key}
                for key, label in (
                    ("booked", _("Appointments")),
                    ("held", _("Held")),
                    ("cancelled", _("Cancelled")),
                    ("no_show", _("No-shows")),
                    ("requests", _("Requests sent")),
                )
            ],
        },
        "chart_topics": {
            "labels": [topic.name if topic else "—" for topic, _a, _r in figures["topics"]],
            "datasets": [
                {
                    "label": str(_("Appointments")),
                    "data": [a for _t, a, _r in figures["topics"]],
                    "key": "booked",
                },
                {
                    "label": str(_("Requests sent")),
                    "data": [r for _t, _a, r in figures["topics"]],
                    "key": "requests",
                },
            ],
        },
    }


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def audit(request, code: str):
    """Who changed what in the directorate: the latest appointment events and routing decisions."""
    directorate = get_object_or_404(RegionalDirectorate, code=code)
    if not can_view_directorate(request.user, directorate):
        raise Http404
    return render(
        request,
        "midi_regions/audit.html",
        {"directorate": directorate, "rows": selectors.audit_trail(directorate)},
    )


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def national_audit(request):
    """Every role change, nationwide, staff flags included: administrators only (a manager gets
    the 404 of the national dashboard)."""
    if role_of(request.user) != Role.ADMINISTRATOR:
        raise Http404
    return render(request, "midi_regions/national_audit.html", {"changes": selectors.role_changes()})
