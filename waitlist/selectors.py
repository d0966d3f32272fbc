"""Reads of the waitlist: whether a time fits what a company asked for, and the free times that
already fit a request to join (shown before it joins)."""

from datetime import date, datetime, tzinfo

from appointments import selectors
from appointments.models import Mode, TimeOfDay, Topic
from appointments.selectors import SlotGroup
from appointments.slots import Slot
from core.business_hours import local_zone
from service_points.models import Municipality
from waitlist.models import WaitlistEntry

# The page that offers free times before joining: the nearest few advisers, a few days each.
FREE_NOW_DAYS_PER_GROUP = 3
# Modes where the distance between the company and the meeting place matters.
TRAVEL_MODES = (Mode.SERVICE_POINT, Mode.PREMISES)


def fits_preferences(
    start: datetime, *, weekdays: list[int], time_of_day: str, until: date | None, tz: tzinfo
) -> bool:
    """A time that starts at `start` suits the days, the time of day and the last day asked for."""
    local = start.astimezone(tz)
    if until and local.date() > until:
        return False
    if weekdays and local.weekday() not in weekdays:
        return False
    if time_of_day == TimeOfDay.MORNING:
        return local.hour < 12
    if time_of_day == TimeOfDay.AFTERNOON:
        return local.hour >= 12
    return True


def free_times_now(
    *,
    topic: Topic,
    mode: str,
    municipality: Municipality,
    max_distance_km: int,
    language: str = "",
    weekdays: list[int] | None = None,
    time_of_day: str = TimeOfDay.ANY,
    until: date | None = None,
    now: datetime | None = None,
) -> list[SlotGroup]:
    """The free times that already fit a request to join the waitlist, nearest advisers first.

    The booking search (appointments.selectors.available_slots, held offers counted as booked)
    over its whole first window, narrowed to the days, time of day, last day and distance asked
    for: the same rules the waitlist offers by (waitlist.services)."""
    tz = local_zone()
    search = selectors.available_slots(
        topic=topic,
        mode=mode,
        location=municipality,
        language=language or None,
        now=now,
        days_per_group=selectors.SEARCH_WINDOW_DAYS,
    )
    groups = []
    for group in search.groups:
        if mode in TRAVEL_MODES and group.distance_km > max_distance_km:
            continue
        days: list[tuple[date, list[Slot]]] = []
        for day, slots in group.days:
            fitting = [
                slot
                for slot in slots
                if fits_preferences(
                    slot.start, weekdays=weekdays or [], time_of_day=time_of_day, until=until, tz=tz
                )
            ]
            if fitting:
                days.append((day, fitting))
            if len(days) == FREE_NOW_DAYS_PER_GROUP:
                break
        if days:
            groups.append(SlotGroup(group.option, days))
    return groups


def is_in_line(*, company, topic: Topic, mode: str) -> bool:
    """The company already waits (or holds an offer) for this topic and mode: 1 query."""
    return WaitlistEntry.objects.filter(
        company=company, topic=topic, mode=mode, status__in=WaitlistEntry.ACTIVE_STATUSES
    ).exists()
