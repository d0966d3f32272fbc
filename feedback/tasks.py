"""Celery tasks of the employers' feedback: load nothing, call the sender."""

from dataclasses import asdict

from celery import shared_task

from feedback import sending


@shared_task(name="feedback.send_due_surveys", acks_late=True, ignore_result=True)
def send_due_surveys() -> dict:
    """Beat, every minute: the due invitations and reminders. The database is the source of
    truth (feedback.sending), so a lost or duplicated message loses or duplicates nothing."""
    return asdict(sending.send_due_surveys())
