"""Writes of calendar_sync: adding and removing an adviser's sources, and syncing one source.

A sync reads the calendar outside any transaction (slow I/O, bounded by calendar_sync.fetching),
then replaces the source's intervals in one short transaction under the source's row lock, so two
syncs of one source (a slow one and the next poll) never interleave their rows. A failure is a
recorded state, never an exception out of `sync_source`: after CALENDAR_SYNC_FAILURES_BEFORE_EMAIL
failures in a row the adviser is emailed once; after CALENDAR_SYNC_STALE_AFTER_SECONDS of failing
the intervals are kept but marked stale and the adviser is told.
"""

import hashlib
import logging
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from advisors.models import Advisor
from appointments import signals
from appointments.models import Topic
from calendar_sync import credentials
from calendar_sync.expansion import NotACalendar, busy_intervals
from calendar_sync.fetching import FetchFailed, check_address
from calendar_sync.models import BusyInterval, BusySource, SyncError
from calendar_sync.readers import read_caldav, read_ics
from core.queue import enqueue

logger = logging.getLogger(__name__)

DEFAULT_HORIZON_DAYS = 60


@dataclass(frozen=True)
class SourceData:
    kind: str
    name: str
    url: str
    username: str = ""
    password: str = ""


def add_source(*, advisor: Advisor, data: SourceData, now: datetime | None = None) -> BusySource:
    """Save a source (address and password encrypted) and sync it at once, after the commit.
    FetchFailed(FORBIDDEN_ADDRESS) if the address points to a private network in production."""
    now = now or timezone.now()
    host = check_address(data.url)
    with transaction.atomic():
        source = BusySource.objects.create(
            advisor=advisor,
            kind=data.kind,
            name=data.name,
            url_encrypted=credentials.encrypt(data.url),
            host=host,
            username=data.username if data.kind == BusySource.Kind.CALDAV else "",
            password_encrypted=credentials.encrypt(data.password)
            if data.kind == BusySource.Kind.CALDAV
            else "",
            next_sync_at=now,
        )
        source.next_sync_at = next_turn(source.pk, now)
        source.save(update_fields=["next_sync_at"])
        enqueue("calendar_sync.sync_source", source.pk)
    logger.info("calendar source %s added for adviser %s", source.pk, advisor.pk)
    return source


def remove_source(*, advisor: Advisor, pk: int) -> bool:
    """Delete one of the adviser's sources and its busy intervals; the time they blocked is offered
    to the waitlist (appointments.signals.time_freed). False if the adviser has no such source."""
    with transaction.atomic():
        source = BusySource.objects.select_for_update().filter(advisor=advisor, pk=pk).first()
        if source is None:
            return False
        span = source.intervals.aggregate(start=Min("starts_at"), end=Max("ends_at"))
        source.delete()
        if span["start"]:
            _free(advisor.pk, span["start"], span["end"])
    logger.info("calendar source %s removed by adviser %s", pk, advisor.pk)
    return True


def _free(advisor_id: int, start: datetime, end: datetime) -> None:
    transaction.on_commit(
        lambda: signals.time_freed.send(sender=BusySource, advisor_id=advisor_id, start=start, end=end)
    )


def next_turn(pk: int, now: datetime) -> datetime:
    """The source's next polling instant: every CALENDAR_SYNC_INTERVAL_SECONDS at a phase drawn
    from its id, so 550 sources spread over the period instead of all polling at :00."""
    period = settings.CALENDAR_SYNC_INTERVAL_SECONDS
    phase = zlib.crc32(str(pk).encode()) % period
    seconds = int(now.timestamp())
    turn = seconds - (seconds - phase) % period + period
    return datetime.fromtimestamp(turn, tz=UTC)


def horizon_days() -> int:
    """The farthest any topic can be booked ahead: busy times are stored that far."""
    return Topic.objects.aggregate(days=Max("horizon_days"))["days"] or DEFAULT_HORIZON_DAYS


def sync_window(now: datetime) -> tuple[datetime, datetime]:
    start = now.replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=horizon_days() + 1)


def sync_source(source_id: int, *, now: datetime | None = None) -> bool:
    """Read the source, expand it over the booking horizon and store its busy intervals; or
    record why not. True on success. Never raises for the calendar's fault."""
    now = now or timezone.now()
    source = BusySource.objects.filter(pk=source_id).first()
    if source is None:
        return False  # removed since it was queued
    window_from, window_to = sync_window(now)
    try:
        url = credentials.decrypt(source.url_encrypted)
        # "Not modified" (or the same text again) is trusted only while the stored intervals
        # still reach the horizon: a recurrence's next weeks are not in the table yet.
        covered = bool(source.expanded_until and source.expanded_until >= window_to - timedelta(days=1))
        if source.kind == BusySource.Kind.CALDAV:
            read = read_caldav(
                url,
                username=source.username,
                password=credentials.decrypt(source.password_encrypted),
                window_from=window_from,
                window_to=window_to,
            )
        else:
            read = read_ics(
                url,
                etag=source.etag if covered else "",
                last_modified=source.last_modified if covered else "",
            )
        digest = "" if read.not_modified else _digest(read.documents)
        unchanged = read.not_modified or (covered and digest == source.body_digest)
        intervals = (
            None
            if unchanged
            else busy_intervals(read.documents, window_from=window_from, window_to=window_to)
        )
    except FetchFailed as failure:
        record_failure(source_id, failure.code, failure.detail, now)
        return False
    except NotACalendar:
        record_failure(source_id, SyncError.NOT_CALENDAR, "", now)
        return False
    except credentials.UnreadableCredential:
        record_failure(source_id, SyncError.UNREADABLE, "", now)
        return False
    _record_success(source_id, intervals, read, digest, window_to, now)
    return True


def _digest(documents: list[bytes]) -> str:
    hasher = hashlib.sha256()
    for document in documents:
        hasher.update(hashlib.sha256(document).digest())
    return hasher.hexdigest()


def _record_success(source_id: int, intervals, read, digest: str, window_to: datetime, now: datetime) -> None:
    with transaction.atomic():
        source = BusySource.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            return
        if intervals is not None:
            old = set(source.intervals.values_list("starts_at", "ends_at"))
            new = set(intervals)
            if old != new:
                source.intervals.all().delete()
                BusyInterval.objects.bulk_create(
                    BusyInterval(source=source, advisor_id=source.advisor_id, starts_at=s, ends_at=e)
                    for s, e in sorted(new)
                )
                freed = old - new
                if freed:
                    _free(source.advisor_id, min(s for s, _ in freed), max(e for _, e in freed))
            source.etag, source.last_modified = read.etag, read.last_modified
            source.body_digest = digest
            source.expanded_until = window_to
        source.last_attempt_at = source.last_success_at = now
        source.consecutive_failures = 0
        source.failing_since = source.failure_notified_at = source.stale_notified_at = None
        source.stale = False
        source.save()


def record_failure(source_id: int, code: SyncError, detail: str, now: datetime) -> None:
    with transaction.atomic():
        source = BusySource.objects.select_for_update().select_related("advisor").filter(pk=source_id).first()
        if source is None:
            return
        source.last_attempt_at = source.last_error_at = now
        source.last_error, source.last_error_detail = code, detail[:40]
        source.consecutive_failures += 1
        source.failing_since = source.failing_since or now
        tell = []
        if source.broken and source.failure_notified_at is None:
            source.failure_notified_at = now
            tell.append("failing")
        stale_after = timedelta(seconds=settings.CALENDAR_SYNC_STALE_AFTER_SECONDS)
        if now - source.failing_since >= stale_after and not source.stale:
            source.stale = True
            if source.stale_notified_at is None:
                source.stale_notified_at = now
                tell.append("stale")
        source.save()
        for kind in tell:
            enqueue("calendar_sync.send_sync_trouble", source.pk, kind)
    logger.warning("calendar source %s sync failed: %s %s", source_id, code.value, detail)


def due_sources(now: datetime, *, limit: int = 1000) -> list[int]:
    """Claim the sources whose turn has come: their next turn is set, and their ids returned to
    be queued. SKIP LOCKED, so a second beat (or a slow previous run) takes other rows."""
    with transaction.atomic():
        rows = list(
            BusySource.objects.select_for_update(skip_locked=True)
            .filter(next_sync_at__lte=now)
            .order_by("next_sync_at")
            .only("pk", "next_sync_at")[:limit]
        )
        for source in rows:
            source.next_sync_at = next_turn(source.pk, now)
        BusySource.objects.bulk_update(rows, ["next_sync_at"])
        for source in rows:
            enqueue("calendar_sync.sync_source", source.pk)
    return [source.pk for source in rows]
