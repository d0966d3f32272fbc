"""Celery tasks of referrals: the status sweep, the partner's status email, the contact's invitation."""

from celery import shared_task

from core.emails import email_task
from referrals import notifications, services


@shared_task(name="referrals.refresh_statuses", acks_late=True)
def refresh_statuses() -> int:
    """The beat's sweep: referrals whose request, appointment or file moved on."""
    return services.sweep_statuses()


@email_task("referrals.send_status_email")
def send_status_email(referral_id: int, status: str) -> int:
    return notifications.send_status_email(referral_id=referral_id, status=status)


@email_task("referrals.send_claim_email")
def send_claim_email(referral_id: int) -> int:
    return notifications.send_claim_email(referral_id=referral_id)
