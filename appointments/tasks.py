"""Celery tasks for appointments: thin wrappers that load by id and call one function."""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from appointments import notifications


def email_task(name: str):
    """A task that sends email: an SMTP or network failure retries with backoff (10 times, 30 s
    doubling to 30 min: about two and a half hours); acks_late, so a worker killed mid-send
    leaves the message queued. Each sender skips an event that is no longer current."""
    return shared_task(
        name=name,
        autoretry_for=(SMTPException, ConnectionError, TimeoutError),
        retry_backoff=30,
        retry_backoff_max=1800,
        max_retries=10,
        acks_late=True,
    )


@email_task("appointments.send_appointment_email")
def send_appointment_email(appointment_id: int, event: str, sequence: int) -> int:
    return notifications.send_appointment_email(appointment_id=appointment_id, event=event, sequence=sequence)


@email_task("appointments.send_reassigned_advisor_email")
def send_reassigned_advisor_email(
    appointment_id: int, advisor_id: int, taken_over: bool, reason: str = ""
) -> int:
    """The manager reassigned an appointment: tell the adviser who gets it or who loses it."""
    return notifications.send_reassigned_advisor_email(
        appointment_id=appointment_id, advisor_id=advisor_id, taken_over=taken_over, reason=reason
    )


@email_task("appointments.send_request_email")
def send_request_email(request_id: int, event: str) -> int:
    from consultations import services as requests

    return requests.send_request_email(request_id=request_id, event=event)


# Routing of consultation requests (consultations.routing) ---------------------------------------


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
    from consultations import routing

    decision = routing.route_request(request_id)
    return decision.pk if decision else None


@shared_task(name="appointments.escalate_overdue_requests", acks_late=True)
def escalate_overdue_requests() -> int:
    """Every 5 minutes (CELERY_BEAT_SCHEDULE): overdue requests move on, lost routings are re-queued."""
    from consultations import routing

    return routing.escalate_overdue()


@email_task("appointments.send_routing_email")
def send_routing_email(decision_id: int) -> int:
    from consultations import routing

    return routing.send_routing_email(decision_id)


@email_task("appointments.send_request_reassigned_email")
def send_request_reassigned_email(
    decision_id: int, audience: str, previous_advisor_id: int | None = None, proposals_withdrawn: bool = False
) -> int:
    """The manager reassigned a request: tell the previous adviser or the employer."""
    from consultations import routing

    return routing.send_request_reassigned_email(
        decision_id,
        audience=audience,
        previous_advisor_id=previous_advisor_id,
        proposals_withdrawn=proposals_withdrawn,
    )


# Reminders (appointments.reminders) -------------------------------------------------------------


@shared_task(name="appointments.send_due_reminders", acks_late=True, ignore_result=True)
def send_due_reminders(
    budget_seconds: float = 50.0, batch_size: int | None = None, lease_seconds: int | None = None
) -> dict:
    """Beat, every minute: send what is due until nothing is or the budget is spent. The database
    is the source of truth, so a lost or duplicated task message loses or duplicates nothing."""
    from dataclasses import asdict

    from appointments import reminders

    report = reminders.send_due_reminders(
        budget_seconds=budget_seconds, batch_size=batch_size, lease_seconds=lease_seconds
    )
    return asdict(report)


@shared_task(name="appointments.offer_freed_time", acks_late=True)
def offer_freed_time(advisor_id: int, start: str | None = None, end: str | None = None) -> int:
    from datetime import datetime

    from waitlist import services as waitlist

    return len(
        waitlist.offer_freed_time(
            advisor_id=advisor_id,
            start=datetime.fromisoformat(start) if start else None,
            end=datetime.fromisoformat(end) if end else None,
        )
    )


@shared_task(name="appointments.expire_holds", acks_late=True, ignore_result=True)
def expire_holds() -> int:
    from waitlist import services as waitlist

    return waitlist.expire_holds()


@email_task("appointments.send_waitlist_offer_email")
def send_waitlist_offer_email(hold_id: int) -> int:
    from waitlist import services as waitlist

    return waitlist.send_offer_email(hold_id=hold_id)
