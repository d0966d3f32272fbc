"""Celery tasks of booking: load by id, call one function of notifications or reminders."""

from dataclasses import asdict

from celery import shared_task

from appointments import notifications, reminders
from core.emails import email_task


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


@shared_task(name="appointments.send_due_reminders", acks_late=True, ignore_result=True)
def send_due_reminders(
    budget_seconds: float = 50.0, batch_size: int | None = None, lease_seconds: int | None = None
) -> dict:
    """Beat, every minute: send what is due until nothing is or the budget is spent. The database
    is the source of truth, so a lost or duplicated task message loses or duplicates nothing."""

    report = reminders.send_due_reminders(
        budget_seconds=budget_seconds, batch_size=batch_size, lease_seconds=lease_seconds
    )
    return asdict(report)
