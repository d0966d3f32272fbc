"""The adviser's own pages."""

from django.db.models import Prefetch
from django.shortcuts import render

from accounts.access import Role, role_required
from service_points.models import ServicePoint

from . import selectors
from .models import Advisor


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
        "advisors/me.html",
        {"advisor": advisor, "appointments": selectors.upcoming_appointments(advisor)},
    )
