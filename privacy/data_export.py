"""Québec's Law 25, right of access: an employer downloads what the service holds about their
company and about themself, as JSON.

Included: the company's profile, the requesting person's own account data (not their colleagues'
contact details), every appointment of the company with its history and its survey answer, and
every consultation request with its proposed times. Not included: the advisers' private notes and the routing
decisions, which are the ministry's internal working documents (a formal access request goes
through the ministry's access officer, as for any other file).
"""

from django.utils import timezone

from accounts.models import Company, User
from appointments.models import Appointment
from consultations.models import ConsultationRequest

VERSION = 1


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _survey(appointment: Appointment) -> dict | None:
    """The company's answer to the survey after the consultation (feedback), if one was sent."""
    survey = getattr(appointment, "survey", None)  # the reverse one-to-one: absent, not None
    if survey is None:
        return None
    return {
        "sent_at": _when(survey.invited_at),
        "reminded_at": _when(survey.reminded_at),
        "answered_at": _when(survey.answered_at),
        "changed_at": _when(survey.changed_at),
        "satisfaction": survey.satisfaction,
        "got_what_they_came_for": survey.get_outcome_display() if survey.outcome else None,
        "comment": survey.comment,
    }


def company_data(company: Company, user: User) -> dict:
    """Everything above, as plain JSON-ready values: 4 queries whatever the volume."""
    appointments = (
        Appointment.objects.filter(company=company)
        .select_related("advisor__user", "topic", "service_point", "municipality", "survey")
        .prefetch_related("events")
        .order_by("starts_at")
    )
    requests = (
        ConsultationRequest.objects.filter(company=company)
        .select_related("topic", "municipality", "appointment")
        .prefetch_related("proposals")
        .order_by("created_at")
    )
    return {
        "format": {"name": "midi-regions company data", "version": VERSION},
        "exported_at": _when(timezone.now()),
        "company": {
            "legal_name": company.legal_name,
            "neq": company.neq,
            "sector": company.get_sector_display(),
            "size": company.get_size_display(),
            "street_address": company.street_address,
            "postal_code": company.postal_code,
            "municipality": company.municipality.name,
        },
        "you": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "appointments": [
            {
                "uid": str(a.uid),
                "starts_at": _when(a.starts_at),
                "ends_at": _when(a.ends_at),
                "status": a.get_status_display(),
                "mode": a.get_mode_display(),
                "topic": a.topic.name,
                "adviser": str(a.advisor),
                "service_point": a.service_point.host_office if a.service_point else None,
                "location": a.municipality.name,
                "message": a.message,
                "phone": a.contact_phone,
                "cancellation_reason": a.cancellation_reason,
                "booked_at": _when(a.created_at),
                "history": [
                    {"action": e.get_action_display(), "at": _when(e.at), "reason": e.reason}
                    for e in a.events.all()
                ],
                "survey": _survey(a),
            }
            for a in appointments
        ],
        "consultation_requests": [
            {
                "uid": str(r.uid),
                "sent_at": _when(r.created_at),
                "status": r.get_status_display(),
                "topic": r.topic.name,
                "mode": r.get_mode_display(),
                "municipality": r.municipality.name,
                "language": r.language,
                "preferred_weekdays": r.preferred_weekdays,
                "preferred_time": r.get_preferred_time_display(),
                "message": r.message,
                "phone": r.contact_phone,
                "proposed_times": [_when(p.starts_at) for p in r.proposals.all()],
                "appointment": str(r.appointment.uid) if r.appointment else None,
            }
            for r in requests
        ],
    }
