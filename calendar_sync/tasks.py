"""Celery tasks of calendar_sync: the beat's poll, one sync per source, the trouble email."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from calendar_sync import notifications, services
from calendar_sync.models import SyncError
from core.emails import email_task


@shared_task(name="calendar_sync.poll_sources", acks_late=True, ignore_result=True)
def poll_sources() -> int:
    return len(services.due_sources(timezone.now()))


# Each read is bounded (calendar_sync.fetching); the time limits are the last guard for a worker.
@shared_task(
    name="calendar_sync.sync_source", acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120
)
def sync_source(source_id: int) -> bool:
    try:
        return services.sync_source(source_id)
    except SoftTimeLimitExceeded:
        services.record_failure(source_id, SyncError.TIMEOUT, "limit", timezone.now())
        return False


@email_task("calendar_sync.send_sync_trouble")
def send_sync_trouble(source_id: int, kind: str) -> int:
    return notifications.send_sync_trouble(source_id=source_id, kind=kind)
