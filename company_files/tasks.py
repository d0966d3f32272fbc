"""Celery tasks of company files: routing a new file, and its emails."""

from celery import shared_task
from django.db import OperationalError

from company_files import notifications, services
from core.emails import email_task


@shared_task(
    name="company_files.route_file",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def route_file(file_id: int) -> int | None:
    """Give a new file to the nearest qualified adviser; returns the adviser's id."""
    file = services.route_file(file_id)
    return file.assigned_advisor_id if file else None


@email_task("company_files.send_stage_email")
def send_stage_email(entry_id: int) -> int:
    return notifications.send_stage_email(entry_id)


@email_task("company_files.send_message_email")
def send_message_email(entry_id: int) -> int:
    return notifications.send_message_email(entry_id)
