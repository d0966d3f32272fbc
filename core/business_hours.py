"""Deadlines in business hours: Monday–Friday, settings.BUSINESS_HOURS local time, no Québec holiday.

The count runs on local wall-clock time (America/Toronto) day by day, and only the result is
turned into an aware datetime: a business day is 8 hours long on the days clocks change too,
since changes happen at 2:00, outside business hours.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.conf import settings


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@cache
def _quebec_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays("CA", subdiv="QC", years=year))


def is_holiday(day: date) -> bool:
    """A public holiday in Québec (Fête nationale, Journée nationale des patriotes, …)."""
    return day in _quebec_holidays(day.year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_business_days(moment: datetime, days: int) -> datetime:
    """`moment` moved forward by `days` business days, same local wall-clock time."""
    tz = local_zone()
    local = moment.astimezone(tz)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)


def business_day_hours() -> tuple[time, time]:
    """(opening, closing) wall-clock times from settings.BUSINESS_HOURS, e.g. ("08:30", "16:30")."""
    opens, closes = (time.fromisoformat(value) for value in settings.BUSINESS_HOURS)
    if closes <= opens:
        raise ValueError(f"BUSINESS_HOURS must open before it closes: {settings.BUSINESS_HOURS!r}")
    return opens, closes


def add_business_hours(start: datetime, hours: float) -> datetime:
    """The moment (UTC) when `hours` business hours have passed since `start`.

    Time before opening, after closing, on weekends and on Québec public holidays does not
    count. A deadline that falls exactly at closing time stays on that day.
    """
    if start.tzinfo is None:
        raise ValueError("add_business_hours needs an aware datetime")
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    if not remaining:
        return start.astimezone(UTC)
    tz = local_zone()
    opens, closes = business_day_hours()
    cursor = start.astimezone(tz).replace(tzinfo=None)  # naive local wall clock
    while True:
        day = cursor.date()
        if is_business_day(day):
            day_open = datetime.combine(day, opens)
            day_close = datetime.combine(day, closes)
            begin = max(cursor, day_open)
            if begin < day_close:
                available = day_close - begin
                if remaining <= available:
                    # Business hours never fall in a DST gap or fold: the wall clock is unambiguous.
                    return (begin + remaining).replace(tzinfo=tz).astimezone(UTC)
                remaining -= available
        cursor = datetime.combine(day + timedelta(days=1), time())
