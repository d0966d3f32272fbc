"""Celery tasks of the texts: the beat's sender and the email about a refused number."""

from celery import shared_task

from core.emails import email_task
from sms import notifications, sending


@shared_task(name="sms.send_due", acks_late=True, ignore_result=True)
def send_due(
    budget_seconds: float = 50.0, batch_size: int | None = None, lease_seconds: int | None = None
) -> dict:
    return sending.send_due(budget_seconds=budget_seconds, batch_size=batch_size, lease_seconds=lease_seconds)


@email_task("sms.send_number_refused_email")
def send_number_refused_email(user_id: int) -> int:
    return notifications.send_number_refused_email(user_id=user_id)
