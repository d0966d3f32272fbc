"""Reads for the adviser's own pages."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import Role, directorates_visible_to, role_of
from advisors.models import Advisor
from appointments.checklist import missing_count
from appointments.models import Appointment


def upcoming_appointments(
    advisor: Advisor, *, now: datetime | None = None, limit: int = 50
) -> QuerySet[Appointment]:
    """The adviser's next active appointments, with what the agenda shows (`missing`: checklist
    items the employer has not ticked): 1 query."""
    now = now or timezone.now()
    return (
        Appointment.objects.filter(advisor=advisor, status=Appointment.Status.CONFIRMED, ends_at__gte=now)
        .select_related("company", "topic", "service_point__municipality", "municipality")
        .annotate(missing=missing_count())
        .order_by("starts_at")[:limit]
    )


def appointment_for(user, uid) -> Appointment | None:
    """One appointment as its adviser, or the manager of that adviser's directorate, may open it:
    None for anyone else (the views answer 404, so another adviser learns nothing)."""
    base = Appointment.objects.select_related(
        "advisor__user",
        "topic",
        "company__municipality",
        "service_point__municipality",
        "municipality",
        "booked_by__employer_profile",
    )
    role = role_of(user)
    if role == Role.ADVISOR:
        return base.filter(uid=uid, advisor=user.advisor).first()
    if role in (Role.MANAGER, Role.ADMINISTRATOR):
        directorates = directorates_visible_to(user)
        return base.filter(
            uid=uid, advisor__home_service_point__municipality__region__directorate__in=directorates
        ).first()
    return None


def company_history(appointment: Appointment, *, limit: int = 50) -> QuerySet[Appointment]:
    """The company's other consultations, newest first, with any adviser: 1 query."""
    return (
        Appointment.objects.filter(company_id=appointment.company_id)
        .exclude(pk=appointment.pk)
        .select_related("advisor__user", "topic")
        .order_by("-starts_at")[:limit]
    )
