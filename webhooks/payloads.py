"""What a partner receives about an object: only what its endpoint's scope allows.

Never in any payload: messages, notes, reasons typed by people, contact names, email addresses,
telephone numbers, meeting links (tests/test_payload_scope.py proves it on every event type).
With the "company" scope the company's NEQ and legal name are added; nothing else is.
"""

from datetime import datetime

from appointments.models import Appointment, AppointmentEvent
from consultations.models import ConsultationRequest, RoutingDecision
from webhooks.models import Scope


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _company(company, scope: str) -> dict:
    if scope != Scope.COMPANY:
        return {}
    return {"company": {"neq": company.neq, "legal_name": company.legal_name}}


def appointment(event: AppointmentEvent, scope: str) -> dict:
    a: Appointment = event.appointment
    return {
        "uid": str(a.uid),
        "reference": a.reference,
        "status": a.status,
        "topic": a.topic.code,
        "mode": a.mode,
        "starts_at": _iso(a.starts_at),
        "ends_at": _iso(a.ends_at),
        "previous_starts_at": _iso(event.previous_starts_at),
        "service_point": a.service_point.code if a.service_point_id else None,
        "municipality": a.municipality.code,
        "adviser": a.advisor_id,
        **_company(a.company, scope),
    }


def request(decision: RoutingDecision, scope: str) -> dict:
    r: ConsultationRequest = decision.request
    return {
        "uid": str(r.uid),
        "status": r.status,
        "topic": r.topic.code,
        "mode": r.mode,
        "municipality": r.municipality.code,
        "hop": decision.hop,
        "reason": decision.reason,
        "adviser": decision.chosen_advisor_id,
        "to_manager": decision.chosen_manager_id is not None,
        **_company(r.company, scope),
    }
