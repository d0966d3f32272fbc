"""The adviser's own pages."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.access import Role, role_required
from advisors.models import Advisor
from agenda import feed as calendar_feed
from agenda import selectors
from service_points.models import ServicePoint


@role_required(Role.ADVISOR)
def me(request):
    """What the network knows about the signed-in adviser: points served, topics, languages."""
    advisor = (
        Advisor.objects.select_related("user", "home_service_point__municipality__region__directorate")
        .prefetch_related(
            "languages",
            "topics",
            Prefetch(
                "service_points",
                queryset=ServicePoint.objects.select_related("municipality__region").prefetch_related(
                    "opening_hours"
                ),
            ),
        )
        .get(user=request.user)
    )
    return render(
        request,
        "agenda/me.html",
        {
            "advisor": advisor,
            "appointments": selectors.upcoming_appointments(advisor),
            "feed_url": calendar_feed.feed_url(advisor),
        },
    )


@require_safe
def feed(request, token):
    """The adviser's calendar feed. No login: calendar clients cannot sign in, the token is the key."""
    advisor = calendar_feed.advisor_for_token(token)
    if advisor is None:
        raise Http404
    response = HttpResponse(calendar_feed.feed_calendar(advisor), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="midi-consultations.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@role_required(Role.ADVISOR)
@require_POST
def regenerate_feed(request):
    """A new secret URL for the adviser's feed; the old one stops working at once."""
    calendar_feed.regenerate_feed_token(request.user.advisor)
    messages.success(
        request,
        _("Your calendar has a new subscription address. The old address no longer works."),
    )
    return redirect("advisors:me")
