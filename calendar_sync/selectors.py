"""Reads of calendar_sync: an adviser's sources with their health, the directorate's broken
syncs (the manager's dashboard), the busy times as claims (appointments.claims), the metric."""

from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from calendar_sync.models import BusyInterval, BusySource


def busy_times(now: datetime, keep: str | None) -> QuerySet[BusyInterval]:
    """calendar_sync's claims on advisers' time (appointments.claims): every stored busy interval,
    stale ones included (an adviser's meeting does not end because their calendar went quiet).
    No booking ever keeps one: `keep` is ignored."""
    return BusyInterval.objects.all()


def sources_of(advisor) -> QuerySet[BusySource]:
    """The adviser's sources, each with `interval_count` (1 query)."""
    return advisor.busy_sources.annotate(interval_count=Count("intervals")).order_by("created_at")


def broken_filter() -> Q:
    return Q(consecutive_failures__gte=settings.CALENDAR_SYNC_FAILURES_BEFORE_EMAIL) | Q(stale=True)


def broken_sources(advisor_ids) -> list[BusySource]:
    """The sources of these advisers whose sync is broken (failing repeatedly, or stale), with the
    adviser's name loaded: the manager's dashboard lists them."""
    return list(
        BusySource.objects.filter(broken_filter(), advisor_id__in=advisor_ids)
        .select_related("advisor__user")
        .order_by("advisor__user__last_name", "advisor__user__first_name", "name")
    )


def sync_failure_gauges() -> list[tuple[str, str, int]]:
    """core.metrics state source: sources failing now, at scrape time from the database."""
    failing = BusySource.objects.filter(broken_filter()).count()
    return [
        (
            "midi_calendar_sync_failures",
            "Advisers' calendar sources whose sync failed 3 times in a row or went stale.",
            failing,
        )
    ]
