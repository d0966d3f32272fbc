"""The managers' dashboards: one directorate, or the whole network for administrators."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import Role, role_required
from accounts.models import CsvSeparator
from calendar_sync.selectors import broken_sources
from core import replica
from core.typography import format_date
from dashboards import satisfaction, selectors
from dashboards.export_views import default_separator


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def dashboard(request, code: str | None = None):
    """A directorate's dashboard (its manager, administrators), or the national one (code None:
    administrators). 16 queries whatever the volume (19 when the roll-ups serve closed days:
    their coverage, rolled tally and adviser loads): scope and filter choices (4), figures (10),
    the employers' verdict (1), the menu's inbox count (1), the advisers' broken calendar syncs (1)."""
    with replica.replica_reads() as source:
        catalogue = selectors.Catalogue.for_user(request.user, code)
        if catalogue is None:
            raise Http404
        directorates = catalogue.directorates
        form = selectors.FilterForm(request.GET, catalogue=catalogue)
        context = {"form": form, "directorates": directorates, "code": code, "source": _source(source)}
        if not form.is_valid():
            return render(request, "dashboards/dashboard.html", context, status=400)
        filters = form.filters()
        figures = selectors.figures(filters, catalogue=catalogue)
        verdict = satisfaction.figures(filters, catalogue)
    context.update(
        filters=filters,
        query=urlencode(filters.query()),
        figures=figures,
        satisfaction=verdict,
        side_by_side=figures["by_directorate"] if code is None else None,
        export_urls=_export_urls(code),
        filter_params=list(filters.query().items()),
        separators=CsvSeparator.choices,
        separator=default_separator(request.user),
        **_charts(figures),
        # Advisers whose own calendar no longer syncs (calendar_sync): employers may book over
        # their meetings. Live from the primary, 1 query.
        broken_syncs=broken_sources([a.pk for a in catalogue.advisors]),
    )
    return render(request, "dashboards/dashboard.html", context)


def _source(source: replica.Source) -> dict:
    """What the page says about where its figures come from (nothing without a replica)."""
    return {
        "on_replica": source.on_replica,
        "fell_back": source.fell_back,
        "bound": replica.freshness_bound(),
    }


def _export_urls(code: str | None) -> dict:
    if code is None:
        return {
            "appointments": reverse("midi_regions:national_export_appointments"),
            "requests": reverse("midi_regions:national_export_requests"),
            "satisfaction": reverse("midi_regions:national_export_satisfaction"),
        }
    return {
        "appointments": reverse("midi_regions:export_appointments", kwargs={"code": code}),
        "requests": reverse("midi_regions:export_requests", kwargs={"code": code}),
        "satisfaction": reverse("midi_regions:export_satisfaction", kwargs={"code": code}),
    }


def _charts(figures: dict) -> dict:
    """The data the charts draw (static/js/dashboard.js), labels translated here."""
    weeks = figures["weeks"]
    return {
        "chart_weeks": {
            "labels": [format_date(w["week"], "SHORT_DAY_FORMAT") for w in weeks],
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
