"""Celery tasks of consultation requests: routing, escalation and their emails."""

from celery import shared_task
from django.db import OperationalError

from consultations import routing, services
from core.emails import email_task


@email_task("appointments.send_request_email")
def send_request_email(request_id: int, event: str) -> int:
    return services.send_request_email(request_id=request_id, event=event)


@shared_task(
    name="appointments.route_request",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def route_request(request_id: int) -> int | None:
    """Route a new request (a lock timeout or lost connection retries); returns the decision id."""

    decision = routing.route_request(request_id)
    return decision.pk if decision else None


@shared_task(name="appointments.escalate_overdue_requests", acks_late=True)
def escalate_overdue_requests() -> int:
    """Every 5 minutes (CELERY_BEAT_SCHEDULE): overdue requests move on, lost routings are re-queued."""
    return routing.escalate_overdue()


@email_task("appointments.send_routing_email")
def send_routing_email(decision_id: int) -> int:
    return routing.send_routing_email(decision_id)


@email_task("appointments.send_request_reassigned_email")
def send_request_reassigned_email(
    decision_id: int, audience: str, previous_advisor_id: int | None = None, proposals_withdrawn: bool = False
) -> int:
    """The manager reassigned a request: tell the previous adviser or the employer."""
    return routing.send_request_reassigned_email(
        decision_id,
        audience=audience,
        previous_advisor_id=previous_advisor_id,
        proposals_withdrawn=proposals_withdrawn,
    )
