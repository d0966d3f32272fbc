"""Celery tasks of group sessions: take ids, call one service."""

from celery import shared_task

from group_sessions import outbox, services


@shared_task(name="group_sessions.send_due_notices", acks_late=True, ignore_result=True)
def send_due_notices() -> dict:
    """After each change and every minute (beat): the database is the source of truth, so a lost
    or duplicated message loses or duplicates no email."""
    return outbox.send_due()


@shared_task(name="group_sessions.offer_free_seats", acks_late=True, ignore_result=True)
def offer_free_seats(session_id: int) -> int:
    return len(services.offer_free_seats(session_id=session_id))


@shared_task(name="group_sessions.expire_offers", acks_late=True, ignore_result=True)
def expire_offers() -> int:
    return services.expire_offers()
