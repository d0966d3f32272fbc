"""The slot search as it was before the catalogue was kept in memory (main at 7fb1daf), frozen.

bench/slot_search.py runs it beside `appointments.selectors.available_slots` and checks that both
answer the same over the whole benchmark plan. It reads everything from the database, as
before: `qualified_candidates` (1 query), then per batch `hydrate` (3) and `load_calendars` (4).
Not used by the application.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from advisors.models import Advisor
from appointments.models import Topic
from appointments.selectors import (
    DAYS_PER_GROUP,
    GROUPS,
    SEARCH_WINDOW_DAYS,
    Option,
    SlotGroup,
    SlotSearch,
    booking_window,
    hydrate,
    load_calendars,
    prefer_advisor,
    qualified_candidates,
    ranked_options,
    territory_pools,
)
from appointments.slots import Slot, free_slots
from core.business_hours import local_zone
from service_points.models import Municipality
from service_points.territory import points_serving


def available_slots(
    *,
    topic: Topic,
    mode: str,
    location: Municipality,
    language: str | None = None,
    from_date: date | None = None,
    now: datetime | None = None,
    groups: int = GROUPS,
    days_per_group: int | None = DAYS_PER_GROUP,
    only_advisor: Advisor | None = None,
    prefer_advisor_id: int | None = None,
    skip_empty: bool = False,
) -> SlotSearch:
    """The earliest free slots of the nearest qualified advisers, grouped by adviser (and point).

    `days_per_group=None` keeps every day of the window (the booking page's day picker counts the
    free times of each day from them). `skip_empty`: a window with no free time at all moves on to
    the first day that has one before the horizon (two more passes, only for an empty window), so
    the employer never pages through empty weeks.
    `prefer_advisor_id` (continuity: `last_advisor`): that adviser's groups come first, marked
    `preferred`, when they are within reach (`prefer_advisor`)."""
    now = now or timezone.now()
    tz = local_zone()
    earliest, latest = booking_window(topic, now)
    horizon_end = latest.astimezone(tz).date() + timedelta(days=1)
    earliest_day = earliest.astimezone(tz).date()
    requested = max(from_date or earliest_day, earliest_day)
    options = ranked_options(
        qualified_candidates(
            topic=topic, language=language, advisor_id=only_advisor.pk if only_advisor else None
        ),
        mode=mode,
        latitude=location.latitude,
        longitude=location.longitude,
        serving=points_serving(location),  # sectorisation (issue 27), read from the database too
    )

    def collect(start: date, end: date, per_group: int | None) -> list[SlotGroup]:
        return _collect_groups(
            options,
            days=[start + timedelta(days=n) for n in range((end - start).days)],
            start=start,
            end=end,
            duration=timedelta(minutes=topic.duration_minutes),
            earliest=earliest,
            latest=latest,
            groups=groups,
            days_per_group=per_group,
        )

    ranked = options
    for options in territory_pools(ranked):  # collect() reads `options`
        options = prefer_advisor(options, prefer_advisor_id)
        start = requested
        end = min(start + timedelta(days=SEARCH_WINDOW_DAYS), horizon_end)
        found = collect(start, end, days_per_group)
        if skip_empty and not found and end < horizon_end:
            # The rest of the horizon in one pass, one day per option: the first day anyone is free.
            ahead = collect(end, horizon_end, 1)
            if ahead:
                start = min(group.days[0][0] for group in ahead)
                end = min(start + timedelta(days=SEARCH_WINDOW_DAYS), horizon_end)
                found = collect(start, end, days_per_group)
            else:
                start = end = horizon_end  # nothing until the horizon
        if found:
            break
    next_from = end if end < horizon_end else None
    if found and days_per_group is not None:
        last_shown = max(group.days[-1][0] for group in found)
        if all(len(group.days) == days_per_group for group in found):
            next_from = last_shown + timedelta(days=1)
    return SlotSearch(
        found, start, end, horizon_end, next_from, earliest_day=earliest_day, requested=requested
    )


def _collect_groups(
    options: list[Option],
    *,
    days: list[date],
    start: date,
    end: date,
    duration: timedelta,
    earliest: datetime,
    latest: datetime,
    groups: int,
    days_per_group: int | None,
) -> list[SlotGroup]:
    """The first `groups` options (in their order) with a free slot in [start, end), each with
    its first `days_per_group` days of slots (all of them for None). Calendars are loaded for a
    batch of the nearest options at a time (4 queries); further batches only if too few had one."""
    tz = local_zone()
    found: list[SlotGroup] = []
    batch = groups + 2
    for offset in range(0, len(options), batch):
        chunk = options[offset : offset + batch]
        hydrate(chunk)
        calendars = load_calendars(
            list({o.advisor_id: o.advisor for o in chunk}.values()), start=start, end=end
        )
        for option in chunk:
            by_day: dict[date, list[Slot]] = {}
            for slot in free_slots(
                calendars[option.advisor_id],
                duration=duration,
                earliest=earliest,
                latest=latest,
                days=days,
                service_point_ok=option.accepts,
            ):
                day = slot.start.astimezone(tz).date()
                if day not in by_day and len(by_day) == days_per_group:
                    break
                by_day.setdefault(day, []).append(slot)
            if by_day:
                found.append(SlotGroup(option, sorted(by_day.items())))
            if len(found) == groups:
                return found
        if offset + batch >= len(options) or offset >= batch * 4:
            break
    return found
