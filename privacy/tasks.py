"""Celery tasks for accounts: thin wrappers that call one function of privacy.services."""

from celery import shared_task

from core.emails import email_task
from privacy import services as privacy


@shared_task(name="accounts.purge_expired_personal_details", acks_late=True, ignore_result=True)
def purge_expired_personal_details() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): blank past appointments' personal details after the
    retention period. Idempotent, so a duplicated or retried run changes nothing more."""
    return privacy.purge_expired_personal_details()


@email_task("accounts.send_account_closed_email")
def send_account_closed_email(recipient: dict, cancelled: int, withdrawn: int) -> int:
    return privacy.send_account_closed_email(
        recipient=privacy.Recipient(**recipient), cancelled=cancelled, withdrawn=withdrawn
    )


@email_task("accounts.send_closed_account_cancellation")
def send_closed_account_cancellation(appointment_id: int, sequence: int, recipient: dict) -> int:
    return privacy.send_cancellation_email(
        appointment_id=appointment_id, sequence=sequence, recipient=privacy.Recipient(**recipient)
    )
