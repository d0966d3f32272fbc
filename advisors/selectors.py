"""Reads for the adviser's own pages."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from appointments.models import Appointment

from .models import Advisor


def upcoming_appointments(
    advisor: Advisor, *, now: datetime | None = None, limit: int = 50
) -> QuerySet[Appointment]:
    """The adviser's next active appointments, with what the agenda shows: 1 query."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(advisor=advisor, status=Appointment.Status.CONFIRMED, ends_at__gte=now)
        .select_related("company", "topic", "service_point__municipality", "municipality")
        .order_by("starts_at")[:limit]
    )
