"""Public pages (home, about, contact, accessibility), health, the network overview and the
dashboards for managers and administrators."""

from datetime import date

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from accounts.access import Role, can_view_directorate, directorates_visible_to, role_required
from advisors.models import Advisor
from appointments.models import Topic
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


def contact(request):
    """The "Contact us" page: the ministry's general enquiries, each regional directorate, the
    service points."""
    return render(
        request,
        "midi_regions/contact.html",
        {
            "contact": settings.ORGANISATION_CONTACT,
            "directorates": selectors.directorates_to_contact(),
            "service_points": ServicePoint.objects.filter(is_active=True).count(),
        },
    )


# The accessibility statement: when the standard took effect, and when the statement last changed
# (update it with what the statement says).
SGQRI_008_3_IN_FORCE = date(2024, 4, 29)
STATEMENT_UPDATED = date(2026, 12, 7)


def accessibility(request):
    """The accessibility statement (SGQRI 008 3.0): what the site does, its known limits, and how to
    report a problem."""
    return render(
        request,
        "midi_regions/accessibility.html",
        {
            "contact": settings.ORGANISATION_CONTACT,
            "standard_in_force": SGQRI_008_3_IN_FORCE,
            "updated": STATEMENT_UPDATED,
        },
    )


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
