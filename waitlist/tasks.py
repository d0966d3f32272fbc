"""Celery tasks of the waitlist: offering freed times, lapsing holds, the offer email."""

from datetime import datetime

from celery import shared_task

from core.emails import email_task
from waitlist import services


@shared_task(name="appointments.offer_freed_time", acks_late=True)
def offer_freed_time(advisor_id: int, start: str | None = None, end: str | None = None) -> int:

    return len(
        services.offer_freed_time(
            advisor_id=advisor_id,
            start=datetime.fromisoformat(start) if start else None,
            end=datetime.fromisoformat(end) if end else None,
        )
    )


@shared_task(name="appointments.expire_holds", acks_late=True, ignore_result=True)
def expire_holds() -> int:
    return services.expire_holds()


@email_task("appointments.send_waitlist_offer_email")
def send_waitlist_offer_email(hold_id: int) -> int:
    return services.send_offer_email(hold_id=hold_id)
