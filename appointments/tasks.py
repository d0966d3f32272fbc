"""Celery tasks for appointments: thin wrappers that load by id and call one function."""

from smtplib import SMTPException

from celery import shared_task

from . import notifications


@shared_task(
    name="appointments.send_appointment_email",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=10,
    acks_late=True,
)
def send_appointment_email(appointment_id: int, event: str, sequence: int) -> int:
    return notifications.send_appointment_email(appointment_id=appointment_id, event=event, sequence=sequence)
