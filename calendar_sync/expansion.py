"""From iCalendar text to busy intervals: recurrences expanded (RRULE, RDATE, EXDATE,
RECURRENCE-ID overrides) by recurring-ical-events, Windows zone names (Exchange's
`TZID:Eastern Standard Time`) resolved by icalendar's CLDR table, all-day and floating times in
the network's zone; cancelled, transparent ("free") and zero-length events do not block.

Only instants leave this module: titles, attendees and descriptions are never read (Law 25).
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import icalendar
import recurring_ical_events

from calendar_sync.models import MAX_PIECE, SyncError
from core.business_hours import local_zone

Interval = tuple[datetime, datetime]


class NotACalendar(Exception):
    """The text is not an iCalendar stream we can expand."""


def busy_intervals(
    documents: Iterable[bytes], *, window_from: datetime, window_to: datetime
) -> list[Interval]:
    """The busy time of these iCalendar documents within [window_from, window_to), merged and cut
    into pieces of at most MAX_PIECE, in UTC."""
    found: list[Interval] = []
    for document in documents:
        found.extend(_document_intervals(document, window_from, window_to))
    return pieces(merge(found))


def _document_intervals(document: bytes, window_from: datetime, window_to: datetime) -> list[Interval]:
    try:
        calendar = icalendar.Calendar.from_ical(document)
    except Exception as error:  # icalendar raises ValueError, KeyError, IndexError… on garbage
        raise NotACalendar(SyncError.NOT_CALENDAR) from error
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise NotACalendar(SyncError.NOT_CALENDAR)
    try:
        occurrences = list(
            recurring_ical_events.of(calendar, components=["VEVENT"]).between(window_from, window_to)
        )
    except Exception as error:  # a malformed RRULE or date inside an otherwise valid calendar
        raise NotACalendar(SyncError.NOT_CALENDAR) from error
    intervals = []
    for event in occurrences:
        if not blocks(event):
            continue
        interval = _interval(event)
        if interval is None:
            continue
        start, end = max(interval[0], window_from), min(interval[1], window_to)
        if end > start:
            intervals.append((start.astimezone(UTC), end.astimezone(UTC)))
    return intervals


def blocks(event) -> bool:
    """Does this occurrence make the adviser busy? Not when cancelled, transparent, or marked
    free by Outlook (X-MICROSOFT-CDO-BUSYSTATUS:FREE, which it writes besides TRANSP)."""
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return False
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    return str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "BUSY")).upper() != "FREE"


def _instant(value: date | datetime) -> datetime:
    """A DTSTART/DTEND value as an aware datetime: a date is midnight and a floating time is wall
    time, both in the network's zone (the adviser's calendar is read as theirs)."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=local_zone())
    if value.tzinfo is None:
        return value.replace(tzinfo=local_zone())
    return value


def _interval(event) -> Interval | None:
    start_value = event.decoded("DTSTART", None)
    if start_value is None:
        return None
    if "DTEND" in event:
        end_value = event.decoded("DTEND")
    elif "DURATION" in event:
        end_value = start_value + event.decoded("DURATION")
    elif not isinstance(start_value, datetime):
        end_value = start_value + timedelta(days=1)  # RFC 5545: an all-day event lasts the day
    else:
        return None  # an instant: blocks nothing
    start, end = _instant(start_value), _instant(end_value)
    return (start, end) if end > start else None


def merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def pieces(intervals: list[Interval]) -> list[Interval]:
    """Each interval cut into consecutive pieces of at most MAX_PIECE (BusyInterval's rule)."""
    out = []
    for start, end in intervals:
        while end - start > MAX_PIECE:
            out.append((start, start + MAX_PIECE))
            start += MAX_PIECE
        out.append((start, end))
    return out
