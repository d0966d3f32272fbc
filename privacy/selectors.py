"""Reads for Law 25: what closing an account would change."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import Company, EmployerProfile, User
from accounts.selectors import has_other_active_representatives
from appointments.models import Appointment
from consultations.models import ConsultationRequest


@dataclass(frozen=True)
class ClosureOutlook:
    """What closing this employer's account would do, for the confirmation page."""

    company: Company
    last_representative: bool
    future_appointments: int  # cancelled if last_representative, else kept by colleagues
    open_requests: int  # withdrawn


def closure_outlook(*, user: User, now: datetime | None = None) -> ClosureOutlook:
    """Three queries; the same rules as privacy.services.close_account."""
    now = now or timezone.now()
    company = EmployerProfile.objects.select_related("company").get(user=user).company
    last = not has_other_active_representatives(company=company, user=user)
    future = Appointment.objects.filter(
        company=company, status=Appointment.Status.CONFIRMED, starts_at__gt=now
    )
    requests = ConsultationRequest.objects.filter(
        company=company, status__in=ConsultationRequest.OPEN_STATUSES
    )
    if not last:
        requests = requests.filter(requested_by=user)
    return ClosureOutlook(
        company=company,
        last_representative=last,
        future_appointments=future.count(),
        open_requests=requests.count(),
    )
