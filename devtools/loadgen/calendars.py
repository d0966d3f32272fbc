"""The advisers' calendars as the load sees them: which days are free, how appointments fit on
one day, and how many each day gets.

How appointments are placed (the rules of `appointments.slots`, so the slot engine agrees):
- only on the adviser's weekly blocks, never on a Québec holiday, never on a day with time off,
  a closed-hours exception or an appointment that is not load (those days are skipped whole);
- on the block's grid (block start + a whole number of the topic's durations, stepped in UTC from
  the local wall-clock start, as the engine does), so they look like real bookings;
- active appointments of one adviser never overlap and keep `buffer_before + buffer_after`
  minutes between them; at most `max_appointments_per_day` active ones per local day;
- cancelled appointments need no room: they sit on any grid slot of a working day.
Per weekday and adviser shape (blocks, topic durations, buffers, daily maximum), every valid
arrangement of k appointments is enumerated once; a day then picks one at random.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from advisors.models import Advisor, AvailabilityException, TimeOff
from appointments.models import Appointment
from core.business_hours import is_holiday, local_zone

from .common import LOAD_APPOINTMENTS

MAX_PATTERNS = 20_000  # per weekday shape; a safety bound for unusually long blocks


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@cache
def day_patterns(
    blocks: tuple[tuple[int, int], ...], durations: tuple[int, ...], gap: int, max_per_day: int
) -> tuple[tuple[tuple[tuple[int, int, int], ...], ...], ...]:
    """Every arrangement of appointments on one day, grouped by size.

    `blocks` are (start, end) in minutes after local midnight. An appointment is (block index,
    offset in minutes from the block start, duration): on the block's grid for its duration,
    inside the block, `gap` minutes at least after the previous one. Result[k] = arrangements of
    k appointments (k = 0 … the most that fit, at most `max_per_day`).
    """
    candidates = sorted(
        (start + offset, start + offset + d, index, offset, d)
        for index, (start, end) in enumerate(blocks)
        for d in durations
        for offset in range(0, end - start - d + 1, d)
    )
    by_size: list[list] = [[()]]
    budget = [MAX_PATTERNS]

    def extend(chosen: tuple, earliest: int, first: int) -> None:
        for i in range(first, len(candidates)):
            begin, finish, index, offset, d = candidates[i]
            if begin < earliest or budget[0] <= 0:
                continue
            pattern = (*chosen, (index, offset, d))
            if len(by_size) <= len(pattern):
                by_size.append([])
            by_size[len(pattern)].append(pattern)
            budget[0] -= 1
            if len(pattern) < max_per_day:
                extend(pattern, finish + gap, i + 1)

    extend((), -1, 0)
    return tuple(tuple(p) for p in by_size)


@dataclass
class AdviserShape:
    """What placement needs to know about one adviser, in plain values."""

    pk: int
    region_id: int
    blocks: dict[int, list[tuple[time, time, int | None]]]  # weekday → sorted blocks
    topics: dict[int, list[int]]  # duration → topic ids
    gap: int
    max_per_day: int

    def patterns(self, weekday: int):
        blocks = self.blocks.get(weekday)
        if not blocks or not self.topics:
            return ((),)
        return day_patterns(
            tuple((_minutes(s), _minutes(e)) for s, e, _p in blocks),
            tuple(sorted(self.topics)),
            self.gap,
            self.max_per_day,
        )

    def capacity(self, weekday: int) -> int:
        return len(self.patterns(weekday)) - 1


def adviser_shapes() -> list[AdviserShape]:
    advisers = list(
        Advisor.objects.filter(is_active=True)
        .select_related("home_service_point__municipality")
        .prefetch_related("topics", "weekly_availability")
        .order_by("pk")
    )
    shapes = []
    for a in advisers:
        blocks = defaultdict(list)
        for w in sorted(a.weekly_availability.all(), key=lambda w: (w.weekday, w.start_time, w.end_time)):
            blocks[w.weekday].append((w.start_time, w.end_time, w.service_point_id))
        topics = defaultdict(list)
        for t in sorted(a.topics.all(), key=lambda t: t.pk):
            topics[t.duration_minutes].append(t.pk)
        shapes.append(
            AdviserShape(
                pk=a.pk,
                region_id=a.home_service_point.municipality.region_id,
                blocks=dict(blocks),
                topics=dict(topics),
                gap=a.buffer_before_minutes + a.buffer_after_minutes,
                max_per_day=a.max_appointments_per_day,
            )
        )
    return shapes


def blocked_days(advisor_ids, first: date, last: date) -> set[tuple[int, date]]:
    """(adviser, local date) pairs the load leaves alone: time off, closed hours, real bookings."""
    tz = local_zone()
    window_from = datetime.combine(first, time(0), tzinfo=tz)
    window_to = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    blocked = set()
    for advisor_id, day in AvailabilityException.objects.filter(
        advisor_id__in=advisor_ids, kind=AvailabilityException.Kind.CLOSED, date__gte=first, date__lte=last
    ).values_list("advisor_id", "date"):
        blocked.add((advisor_id, day))
    for advisor_id, starts_at, ends_at in TimeOff.objects.filter(
        advisor_id__in=advisor_ids, ends_at__gt=window_from, starts_at__lt=window_to
    ).values_list("advisor_id", "starts_at", "ends_at"):
        day = max(starts_at.astimezone(tz).date(), first)
        while day <= min(ends_at.astimezone(tz).date(), last):
            blocked.add((advisor_id, day))
            day += timedelta(days=1)
    for advisor_id, starts_at, ends_at in (
        Appointment.objects.filter(
            advisor_id__in=advisor_ids,
            status__in=Appointment.ACTIVE_STATUSES,
            starts_at__lt=window_to,
            ends_at__gt=window_from - timedelta(days=1),
        )
        .exclude(**LOAD_APPOINTMENTS)
        .values_list("advisor_id", "starts_at", "ends_at")
    ):
        blocked.add((advisor_id, starts_at.astimezone(tz).date()))
        blocked.add((advisor_id, ends_at.astimezone(tz).date()))
    return blocked


@dataclass
class DayPlan:
    shape: AdviserShape
    day: date
    capacity: int
    active: int = 0
    cancelled: int = 0


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_plans(shapes, days, blocked) -> list[DayPlan]:
    plans = []
    for day in days:
        if is_holiday(day):
            continue
        for shape in shapes:
            if (shape.pk, day) in blocked:
                continue
            capacity = shape.capacity(day.weekday())
            if capacity:
                plans.append(DayPlan(shape, day, capacity))
    return plans


def spread(plans: list[DayPlan], total: int, upper, rng: random.Random) -> None:
    """Give `total` active appointments to the days, evenly (randomised rounding), exactly."""
    room = sum(upper(p) for p in plans)
    if total > room:
        raise ValueError(f"{total} appointments do not fit in {room} places")
    if not total:
        return
    fill = total / room
    given = 0
    for p in plans:
        p.active = min(upper(p), int(fill * upper(p) + rng.random()))
        given += p.active
    order = list(range(len(plans)))
    while given != total:
        rng.shuffle(order)
        for i in order:
            p = plans[i]
            if given < total and p.active < upper(p):
                p.active += 1
                given += 1
            elif given > total and p.active > 0:
                p.active -= 1
                given -= 1
            if given == total:
                break


def scatter(plans: list[DayPlan], count: int, rng: random.Random) -> None:
    for _ in range(count):
        rng.choice(plans).cancelled += 1
