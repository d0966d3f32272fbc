"""Busy intervals from real-world calendar files (calendar_sync.expansion): recurrences with moved
and cancelled occurrences, Windows zone names, all-day, floating and free events."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_sync.expansion import NotACalendar, busy_intervals, merge, pieces
from calendar_sync.models import MAX_PIECE
from calendar_sync.tests.servers import fixture

TZ = ZoneInfo("America/Toronto")
HALIFAX = ZoneInfo("America/Halifax")


def at(day: date, hour: int, minute: int = 0, tz=TZ) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def expand(name: str, start: datetime, end: datetime):
    return busy_intervals([fixture(name)], window_from=start, window_to=end)


def independent_outlook(window_from: datetime, window_to: datetime) -> list[tuple[datetime, datetime]]:
    """The Outlook fixture expanded by hand, without icalendar: every Wednesday from 2 September
    2026 at 14:00–15:00 Québec wall time (zoneinfo's rules, not the file's VTIMEZONE), 28 October
    moved to Thursday 29 at 16:00–17:00, 11 November cancelled (EXDATE), until 31 March 2027; the
    free Tuesday-morning event not at all; Friday 4 December all day (Outlook "out of office")."""
    busy = []
    day = date(2026, 9, 2)
    while at(day, 14) <= datetime(2027, 3, 31, 18, tzinfo=UTC):
        if day == date(2026, 10, 28):
            busy.append((at(date(2026, 10, 29), 16), at(date(2026, 10, 29), 17)))
        elif day != date(2026, 11, 11):
            busy.append((at(day, 14), at(day, 15)))
        day += timedelta(weeks=1)
    busy.append((at(date(2026, 12, 4), 0), at(date(2026, 12, 5), 0)))
    clipped = [(max(s, window_from), min(e, window_to)) for s, e in busy]
    return pieces(merge([(s, e) for s, e in clipped if e > s]))


def test_outlook_weekly_meeting_with_a_moved_and_a_cancelled_occurrence_across_dst():
    start, end = at(date(2026, 10, 13), 10), at(date(2026, 12, 12), 10)
    busy = expand("outlook_weekly.ics", start, end)
    local = [(s.astimezone(TZ), e.astimezone(TZ)) for s, e in busy]
    # 14:00 Québec time before and after the change to standard time on 1 November.
    assert (local[0][0].hour, local[0][0].utcoffset()) == (14, timedelta(hours=-4))
    assert (local[3][0].date(), local[3][0].hour, local[3][0].utcoffset()) == (
        date(2026, 11, 4),
        14,
        timedelta(hours=-5),
    )
    starts = [s.date() for s, _ in local]
    assert date(2026, 10, 28) not in starts and date(2026, 10, 29) in starts  # moved
    assert date(2026, 11, 11) not in starts  # cancelled
    assert date(2026, 10, 20) not in starts  # "free" (TRANSP:TRANSPARENT, BUSYSTATUS:FREE)
    assert busy == independent_outlook(start, end)


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 8, 1), max_value=datetime(2027, 3, 1)),
    days=st.integers(min_value=1, max_value=60),
)
def test_outlook_expansion_matches_an_independent_expansion_for_any_horizon(start, days):
    window_from = start.replace(tzinfo=UTC)
    window_to = window_from + timedelta(days=days)
    assert expand("outlook_weekly.ics", window_from, window_to) == independent_outlook(window_from, window_to)


def test_google_export_with_cancelled_occurrence_all_day_and_transparent_events():
    start, end = at(date(2026, 11, 23), 0), at(date(2027, 1, 23), 0)
    busy = merge(expand("google.ics", start, end))
    assert busy == [
        (at(date(2026, 11, 24), 9), at(date(2026, 11, 24), 9, 30)),
        (at(date(2026, 11, 25), 9), at(date(2026, 11, 25), 9, 30)),
        # 26th: the daily meeting's occurrence cancelled (RECURRENCE-ID, STATUS:CANCELLED).
        (at(date(2026, 11, 25), 13), at(date(2026, 11, 25), 14, 30)),  # UTC in the file
        (at(date(2026, 11, 27), 0), at(date(2026, 11, 28), 0)),  # all day (the 9:00 inside it)
        # 30th: all day but transparent (a birthday) blocks nothing.
        (at(date(2026, 12, 1), 10), at(date(2026, 12, 1), 11)),  # tentative still blocks
    ]


def test_apple_export_with_rdate_exdate_multi_day_and_floating_time():
    start, end = at(date(2026, 11, 23), 0), at(date(2027, 1, 23), 0)
    busy = merge(expand("apple.ics", start, end))
    assert busy == [
        (at(date(2026, 12, 2), 10), at(date(2026, 12, 2), 12)),
        (at(date(2026, 12, 3), 13), at(date(2026, 12, 3), 14, 30)),  # floating: Québec wall time
        (at(date(2026, 12, 5), 10), at(date(2026, 12, 5), 12)),  # RDATE
        (at(date(2026, 12, 8), 0), at(date(2026, 12, 11), 0)),  # 3 days (the 9th's trip inside)
        # 16th: EXDATE. The 4th and last occurrence (COUNT=4 counts the excluded one):
        (at(date(2026, 12, 23), 10), at(date(2026, 12, 23), 12)),
    ]


def test_windows_zone_names_without_a_vtimezone_are_read_from_the_cldr_table():
    start, end = at(date(2026, 11, 23), 0), at(date(2027, 1, 23), 0)
    assert expand("exchange_no_vtimezone.ics", start, end) == [
        (at(date(2026, 11, 25), 13), at(date(2026, 11, 25), 14, 30)),  # Eastern Standard Time
        (at(date(2026, 11, 26), 10, tz=HALIFAX), at(date(2026, 11, 26), 11, tz=HALIFAX)),  # Atlantic
    ]


def test_long_busy_times_are_stored_in_pieces_of_at_most_twelve_hours():
    start, end = at(date(2026, 11, 23), 0), at(date(2027, 1, 23), 0)
    busy = expand("apple.ics", start, end)
    assert all(e - s <= MAX_PIECE for s, e in busy)
    assert merge(busy) == merge(pieces(merge(busy)))


def test_only_the_window_is_kept():
    start, end = at(date(2026, 10, 14), 14, 30), at(date(2026, 10, 21), 14, 30)
    assert expand("outlook_weekly.ics", start, end) == [
        (start, at(date(2026, 10, 14), 15)),
        (at(date(2026, 10, 21), 14), end),
    ]


@pytest.mark.parametrize(
    "text",
    [b"", b"<html>Sign in to Outlook</html>", b"BEGIN:VCARD\r\nFN:Julie\r\nEND:VCARD\r\n", b"\x00\xff" * 50],
)
def test_what_is_not_a_calendar_is_refused(text):
    with pytest.raises(NotACalendar):
        busy_intervals(
            [text], window_from=datetime(2026, 11, 1, tzinfo=UTC), window_to=datetime(2026, 12, 1, tzinfo=UTC)
        )
