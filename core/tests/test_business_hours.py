"""Deadlines in business hours (core.business_hours): explicit cases and properties."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.business_hours import add_business_hours, is_business_day
from tests.booking_helpers import local_datetime

TORONTO = ZoneInfo("America/Toronto")
OPENS, CLOSES = time(8, 30), time(16, 30)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Friday afternoon: 2.5 h on Friday, 8 h on Monday, 5.5 h on Tuesday.
        (local_datetime(2026, 11, 27, 14, 0), 16, local_datetime(2026, 12, 1, 14, 0)),
        # Within the same day.
        (local_datetime(2026, 11, 25, 9, 0), 3, local_datetime(2026, 11, 25, 12, 0)),
        # Exactly a full day from opening ends at closing, not next morning.
        (local_datetime(2026, 11, 25, 8, 30), 8, local_datetime(2026, 11, 25, 16, 30)),
        # Before opening counts from opening; after closing from the next opening.
        (local_datetime(2026, 11, 25, 6, 0), 1, local_datetime(2026, 11, 25, 9, 30)),
        (local_datetime(2026, 11, 25, 20, 0), 1, local_datetime(2026, 11, 26, 9, 30)),
        # A weekend start counts from Monday's opening.
        (local_datetime(2026, 11, 28, 11, 0), 2, local_datetime(2026, 11, 30, 10, 30)),
        # Fête nationale (Wednesday 2026-06-24) does not count: Thursday, then Friday.
        (local_datetime(2026, 6, 23, 10, 0), 16, local_datetime(2026, 6, 26, 10, 0)),
        # Good Friday 2027-03-26 and the Christmas/New Year holidays.
        (local_datetime(2027, 3, 25, 16, 0), 1, local_datetime(2027, 3, 29, 9, 0)),
        (local_datetime(2026, 12, 24, 16, 0), 1, local_datetime(2026, 12, 28, 9, 0)),
        # Fall back (Sunday 2026-11-01): Friday 15:30 EDT + 2 h = Monday 9:30 EST.
        (local_datetime(2026, 10, 30, 15, 30), 2, local_datetime(2026, 11, 2, 9, 30)),
        # Spring forward (Sunday 2027-03-14): Friday 16:00 EST + 1 h = Monday 9:00 EDT.
        (local_datetime(2027, 3, 12, 16, 0), 1, local_datetime(2027, 3, 15, 9, 0)),
        # The SLA default across the fall-back weekend.
        (local_datetime(2026, 10, 30, 9, 0), 16, local_datetime(2026, 11, 3, 9, 0)),
        (local_datetime(2026, 11, 25, 10, 0), 0, local_datetime(2026, 11, 25, 10, 0)),
    ],
)
def test_it_counts_only_business_hours(start, hours, expected):
    result = add_business_hours(start, hours)
    assert result == expected
    assert result.tzinfo == UTC


def test_it_keeps_the_local_wall_clock_across_dst():
    before = add_business_hours(local_datetime(2026, 10, 30, 15, 30), 2)
    after = add_business_hours(local_datetime(2027, 3, 12, 16, 0), 1)
    assert before == datetime(2026, 11, 2, 14, 30, tzinfo=UTC)  # 9:30 EST = UTC−5
    assert after == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # 9:00 EDT = UTC−4


def test_it_follows_settings_business_hours(settings):
    settings.BUSINESS_HOURS = ("09:00", "17:00")
    assert add_business_hours(local_datetime(2026, 11, 27, 16, 0), 2) == local_datetime(2026, 11, 30, 10, 0)


def test_it_refuses_naive_datetimes_and_negative_hours():
    with pytest.raises(ValueError):
        add_business_hours(datetime(2026, 11, 25, 10, 0), 1)
    with pytest.raises(ValueError):
        add_business_hours(local_datetime(2026, 11, 25, 10, 0), -1)


# Properties -------------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
# Whole quarter hours are exact in binary floating point: sums are exact too.
quarter_hours = st.integers(min_value=0, max_value=4 * 60).map(lambda q: q / 4)


def business_time_between(start: datetime, end: datetime) -> timedelta:
    """Oracle: the overlap of [start, end] with every business day's hours, measured in UTC."""
    total = timedelta()
    day: date = start.astimezone(TORONTO).date()
    while day <= end.astimezone(TORONTO).date():
        if is_business_day(day):
            opens = datetime.combine(day, OPENS, tzinfo=TORONTO).astimezone(UTC)
            closes = datetime.combine(day, CLOSES, tzinfo=TORONTO).astimezone(UTC)
            total += max(timedelta(), min(end, closes) - max(start, opens))
        day += timedelta(days=1)
    return total


@settings(max_examples=300, deadline=None)
@given(start=starts, hours=quarter_hours)
def test_it_adds_exactly_the_business_time_asked_for(start, hours):
    result = add_business_hours(start, hours)
    assert result >= start
    assert business_time_between(start, result) == timedelta(hours=hours)


@settings(max_examples=300, deadline=None)
@given(start=starts, hours=quarter_hours.filter(bool))
def test_a_deadline_falls_within_business_hours_on_a_business_day(start, hours):
    result = add_business_hours(start, hours).astimezone(TORONTO)
    assert is_business_day(result.date())
    assert OPENS < result.time() <= CLOSES


@settings(max_examples=300, deadline=None)
@given(start=starts, first=quarter_hours, second=quarter_hours)
def test_adding_twice_is_adding_the_sum(start, first, second):
    assert add_business_hours(add_business_hours(start, first), second) == add_business_hours(
        start, first + second
    )


@settings(max_examples=200, deadline=None)
@given(start=starts, first=quarter_hours, second=quarter_hours)
def test_more_hours_never_give_an_earlier_deadline(start, first, second):
    low, high = sorted((first, second))
    assert add_business_hours(start, low) <= add_business_hours(start, high)
