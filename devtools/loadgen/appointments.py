"""Load appointments: past and future days filled to a share of their capacity, each
appointment on a valid slot of its adviser's calendar (see `calendars`)."""

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from accounts.models import Company
from appointments import references
from appointments.models import Appointment, Mode
from core.business_hours import local_zone

from .calendars import (
    AdviserShape,
    DayPlan,
    adviser_shapes,
    blocked_days,
    day_plans,
    days_between,
    scatter,
    spread,
)
from .common import NEQ_PREFIX, PAST_DAYS, LoadReport, bulk, random_uuid, rng_for

FUTURE_DAYS = 60
PAST_SHARE = 0.75
FUTURE_FILL_MAX = 0.60  # future days keep free slots for the slot search
PAST_FILL_MAX = 0.85  # beyond this, the past window grows instead (see seed_load's notes)
MAX_PAST_DAYS = 3 * 365
SAME_REGION_SHARE = 0.8  # share of an adviser's appointments with companies of their region
BOOKING_LEAD_MAX_HOURS = 30 * 24  # appointments are booked 4 hours to 30 days ahead

PAST_CANCELLED = 0.08
PAST_NO_SHOW = 0.05
FUTURE_CANCELLED = 0.10

MODES_AT_A_POINT = ([Mode.SERVICE_POINT, Mode.VIDEO, Mode.PHONE, Mode.PREMISES], [40, 25, 20, 15])
MODES_REMOTE = ([Mode.PHONE, Mode.VIDEO], [50, 50])


def load_appointments(total: int, seed: int, report: LoadReport, *, now: datetime) -> None:
    """Place `total` load appointments (see `calendars`), in batches of BATCH_SIZE."""
    tz = local_zone()
    rng = rng_for(seed, "appointments")
    # Booking dates from their own generator: the placement above stays what it was.
    booked_rng = rng_for(seed, "appointments booked at")
    today = now.astimezone(tz).date()
    shapes = [s for s in adviser_shapes() if s.blocks and s.topics]
    if not shapes:
        raise ValueError("No active adviser with weekly availability and topics: run seed_network first.")
    future = _future_window(shapes, today, total, report)
    past = _past_window(shapes, today, total, total - future.total, report)
    spread(future.plans, future.active, _future_upper, rng)
    spread(past.plans, past.active, _past_upper, rng)
    scatter(future.plans, future.total - future.active, rng)
    scatter(past.plans, past.total - past.active, rng)

    placer = _Placer(rng=rng, booked_rng=booked_rng, now=now, tz=tz, companies=_load_companies())
    days = sorted(past.plans + future.plans, key=lambda p: p.day)
    created = bulk(Appointment, placer.appointments(days), report, "appointments", dated=True)
    report.notes.append(
        f"{created - future.total} past appointments over {past.days + 1} days, "
        f"{future.total} future over {FUTURE_DAYS} days "
        f"(active fill: past {past.active / max(past.room, 1):.0%}, "
        f"future {future.active / max(future.room, 1):.0%} of capacity)"
    )


@dataclass
class Window:
    """The working days on one side of today and how many appointments they get."""

    plans: list[DayPlan]
    total: int  # cancelled ones included
    active: int
    room: int  # what the active fill is a share of
    days: int


def _future_upper(p: DayPlan) -> int:
    return min(p.capacity, math.ceil(FUTURE_FILL_MAX * p.capacity))


def _past_upper(p: DayPlan) -> int:
    return p.capacity


def _future_window(shapes: list[AdviserShape], today: date, total: int, report: LoadReport) -> Window:
    """The next FUTURE_DAYS days: a quarter of the load, fewer when that would fill them past
    FUTURE_FILL_MAX."""
    days = days_between(today + timedelta(days=1), today + timedelta(days=FUTURE_DAYS))
    plans = day_plans(shapes, days, blocked_days([s.pk for s in shapes], days[0], days[-1]))
    capacity = sum(p.capacity for p in plans)
    room = min(sum(_future_upper(p) for p in plans), math.floor(FUTURE_FILL_MAX * capacity))
    future_total = round(total * (1 - PAST_SHARE))
    active = future_total - round(future_total * FUTURE_CANCELLED)
    if active > room:
        active = room
        future_total = min(round(active / (1 - FUTURE_CANCELLED)), total)
        report.notes.append(
            f"future days hold at most {room} active appointments at "
            f"{FUTURE_FILL_MAX:.0%} fill: {future_total} future appointments instead of "
            f"{round(total * (1 - PAST_SHARE))}"
        )
    return Window(plans, future_total, active, room=capacity, days=FUTURE_DAYS)


def _past_window(
    shapes: list[AdviserShape], today: date, total: int, past_total: int, report: LoadReport
) -> Window:
    """The past PAST_DAYS days up to today, more (a week at a time) while the active past
    appointments would fill them past PAST_FILL_MAX."""
    ids = [s.pk for s in shapes]
    active = past_total - round(past_total * PAST_CANCELLED)
    past_days_count = PAST_DAYS
    while True:
        days = days_between(today - timedelta(days=past_days_count), today)
        plans = day_plans(shapes, days, blocked_days(ids, days[0], days[-1]))
        room = sum(p.capacity for p in plans)
        if active <= PAST_FILL_MAX * room:
            break
        if past_days_count >= MAX_PAST_DAYS:
            raise ValueError(
                f"{total} appointments do not fit in the calendars of {len(shapes)} advisers "
                f"(past capacity {room} over {past_days_count} days): use a larger --scale"
            )
        past_days_count = min(MAX_PAST_DAYS, past_days_count + 7)
    if past_days_count > PAST_DAYS:
        report.notes.append(
            f"{active} past active appointments exceed {PAST_FILL_MAX:.0%} of the capacity "
            f"of the past {PAST_DAYS} days: the past window starts {past_days_count} days ago"
        )
    return Window(plans, past_total, active, room=room, days=past_days_count)


def _load_companies() -> list[tuple]:
    """(company, municipality, region, representative) of every load company."""
    return list(
        Company.objects.filter(neq__startswith=NEQ_PREFIX)
        .order_by("neq")
        .values_list("pk", "municipality_id", "municipality__region_id", "representatives__user_id")
    )


@dataclass
class _Placer:
    """Turns planned days into appointments: slots from the day's patterns, a company (mostly of
    the adviser's region), a mode, a status and a booking date."""

    rng: random.Random
    booked_rng: random.Random
    now: datetime
    tz: tzinfo
    companies: list[tuple]
    by_region: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    block_starts: dict[tuple[date, time], datetime] = field(default_factory=dict)
    # Reference numbers unlike those of the rows already there and of each other (bulk_create
    # skips Appointment.save, which draws them one by one).
    references: Iterator[str] = field(
        default_factory=lambda: references.fresh_references(
            set(Appointment.objects.exclude(reference=None).values_list("reference", flat=True))
        )
    )

    def __post_init__(self):
        for company in self.companies:
            self.by_region[company[2]].append(company)

    def appointments(self, plans: list[DayPlan]) -> Iterator[Appointment]:
        for plan in plans:
            if plan.active or plan.cancelled:
                yield from self._day(plan)

    def _day(self, plan: DayPlan) -> Iterator[Appointment]:
        rng, shape, day = self.rng, plan.shape, plan.day
        patterns = shape.patterns(day.weekday())
        blocks = shape.blocks[day.weekday()]
        placed = [(*slot, True) for slot in rng.choice(patterns[plan.active])] if plan.active else []
        placed += [(*rng.choice(patterns[1])[0], False) for _ in range(plan.cancelled)]
        for index, offset, duration, active in placed:
            block_start, _end, point_id = blocks[index]
            key = (day, block_start)
            if key not in self.block_starts:
                self.block_starts[key] = datetime.combine(day, block_start, tzinfo=self.tz).astimezone(UTC)
            starts_at = self.block_starts[key] + timedelta(minutes=offset)
            yield self._appointment(shape, point_id, starts_at, duration, active)

    def _appointment(
        self, shape: AdviserShape, point_id: int | None, starts_at: datetime, duration: int, active: bool
    ) -> Appointment:
        rng, now = self.rng, self.now
        ends_at = starts_at + timedelta(minutes=duration)
        local_companies = self.by_region.get(shape.region_id)
        if local_companies and rng.random() < SAME_REGION_SHARE:
            company_id, municipality_id, _region, user_id = rng.choice(local_companies)
        else:
            company_id, municipality_id, _region, user_id = rng.choice(self.companies)
        mode = rng.choices(*(MODES_AT_A_POINT if point_id else MODES_REMOTE))[0]
        status, cancelled_at = self._status(starts_at, ends_at, active)
        created_at = min(now, starts_at - timedelta(hours=self.booked_rng.randint(4, BOOKING_LEAD_MAX_HOURS)))
        if cancelled_at is not None:
            created_at = min(created_at, cancelled_at - timedelta(hours=1))
        return Appointment(
            uid=random_uuid(rng),
            reference=next(self.references),
            advisor_id=shape.pk,
            topic_id=rng.choice(shape.topics[duration]),
            mode=mode,
            service_point_id=point_id,
            company_id=company_id,
            booked_by_id=user_id,
            municipality_id=municipality_id,
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
            sequence=0 if active else 1,
            cancelled_at=cancelled_at,
            created_at=created_at,
        )

    def _status(self, starts_at: datetime, ends_at: datetime, active: bool) -> tuple[str, datetime | None]:
        """(status, cancelled_at): cancelled some time before, to come, or held or missed."""
        if not active:
            return Appointment.Status.CANCELLED, min(
                self.now, starts_at - timedelta(hours=self.rng.randint(2, 24 * 14))
            )
        if ends_at > self.now:
            return Appointment.Status.CONFIRMED, None
        if self.rng.random() < PAST_NO_SHOW / (1 - PAST_CANCELLED):
            return Appointment.Status.NO_SHOW, None
        return Appointment.Status.COMPLETED, None
