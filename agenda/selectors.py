"""Reads for the adviser's own pages."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import Role, directorates_visible_to, role_of
from advisors.models import Advisor
from appointments.checklist import missing_count
from appointments.models import Appointment
from core.local_time import EASTERN
from service_points.models import ServicePoint


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


def advisor_time_zone(advisor: Advisor) -> str:
    """The zone the adviser's calendar is drawn in: their home service point's (IANA name): 1 query."""
    zone = (
        ServicePoint.objects.filter(pk=advisor.home_service_point_id)
        .values_list("municipality__time_zone", flat=True)
        .first()
    )
    return zone or EASTERN


def _visible_to(user) -> QuerySet[Appointment]:
    """The appointments `user` may open on the staff pages: an adviser their own, a manager those
    of their directorate's advisers, an administrator all; nothing for anyone else."""
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
        return base.filter(advisor=user.advisor)
    if role in (Role.MANAGER, Role.ADMINISTRATOR):
        directorates = directorates_visible_to(user)
        return base.filter(advisor__home_service_point__municipality__region__directorate__in=directorates)
    return base.none()


def appointment_for(user, uid) -> Appointment | None:
    """One appointment as its adviser, or the manager of that adviser's directorate, may open it:
    None for anyone else (the views answer 404, so another adviser learns nothing)."""
    return _visible_to(user).filter(uid=uid).first()


def find_by_reference(user, reference: str) -> Appointment | None:
    """The appointment with this reference ("RV-7K3-Q9M", as appointments.references.normalize
    writes it) among those `user` may open, or None: another directorate's is not found."""
    return _visible_to(user).filter(reference=reference).first()


def company_history(appointment: Appointment, *, limit: int = 50) -> QuerySet[Appointment]:
    """The company's other consultations, newest first, with any adviser: 1 query."""
    return (
        Appointment.objects.filter(company_id=appointment.company_id)
        .exclude(pk=appointment.pk)
        .select_related("advisor__user", "topic")
        .order_by("-starts_at")[:limit]
    )
