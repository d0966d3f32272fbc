"""Celery tasks of the webhooks: the beat's sweep, one task per endpoint, the administrators' email."""

from celery import shared_task

from core.emails import email_task
from core.queue import enqueue
from webhooks import delivery, notifications


@shared_task(name="webhooks.deliver_endpoint", acks_late=True, ignore_result=True)
def deliver_endpoint(endpoint_id: int) -> int:
    return delivery.deliver_endpoint(endpoint_id)


@shared_task(name="webhooks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Beat: one task per endpoint with due deliveries (retries, and sends a lost message missed).
    The table is the source of truth: a lost or duplicated message loses or duplicates nothing."""
    endpoints = delivery.endpoints_with_due_work()
    for endpoint_id in endpoints:
        enqueue("webhooks.deliver_endpoint", endpoint_id)
    return len(endpoints)


@email_task("webhooks.send_endpoint_disabled_email")
def send_endpoint_disabled_email(endpoint_id: int) -> int:
    return notifications.send_endpoint_disabled_email(endpoint_id=endpoint_id)
