"""Synthetic load for tests and benchmarks: cloned advisers, companies, and appointments.

`manage.py seed_load` calls `seed_load()`; tests call the same function. Everything is
deterministic for a given seed (one `random.Random` per kind of row, keyed by the seed) and
idempotent-ish: cloned advisers and companies are keyed by their email / NEQ, and appointments
are only generated when the database holds fewer load appointments than asked for.

Load rows are recognisable without an extra column:
- advisers and employers have users `load-adviser-<n>@load.example` / `load-employer-<n>@load.example`;
- companies have a 10-digit NEQ starting with 9 (real NEQs start with 11, 22 or 33);
- load appointments and load consultation requests are those of load companies.

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

import math
import random
import time as time_module
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Company, EmployerProfile, User
from advisors.models import Advisor, AvailabilityException, TimeOff, WeeklyAvailability
from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from core.business_hours import add_business_hours, is_holiday, local_zone
from midi_regions.models import RegionalDirectorate
from midi_regions.seeding import seed_network
from service_points.models import Municipality

LOAD_EMAIL_DOMAIN = "load.example"
ADVISER_EMAIL = "load-adviser-{}@" + LOAD_EMAIL_DOMAIN
EMPLOYER_EMAIL = "load-employer-{}@" + LOAD_EMAIL_DOMAIN
NEQ_PREFIX = "9"

BATCH_SIZE = 5000
PAST_DAYS = 180
FUTURE_DAYS = 60
PAST_SHARE = 0.75
FUTURE_FILL_MAX = 0.60  # future days keep free slots for the slot search
PAST_FILL_MAX = 0.85  # beyond this, the past window grows instead (see seed_load's notes)
MAX_PAST_DAYS = 3 * 365
APPOINTMENTS_PER_COMPANY = 20
SAME_REGION_SHARE = 0.8  # share of an adviser's appointments with companies of their region
BOOKING_LEAD_MAX_HOURS = 30 * 24  # appointments are booked 4 hours to 30 days ahead

PAST_CANCELLED = 0.08
PAST_NO_SHOW = 0.05
FUTURE_CANCELLED = 0.10

MODES_AT_A_POINT = ([Mode.SERVICE_POINT, Mode.VIDEO, Mode.PHONE, Mode.PREMISES], [40, 25, 20, 15])
MODES_REMOTE = ([Mode.PHONE, Mode.VIDEO], [50, 50])
MAX_PATTERNS = 20_000  # per weekday shape; a safety bound for unusually long blocks

LOAD_ADVISERS = {"user__email__endswith": "@" + LOAD_EMAIL_DOMAIN}
LOAD_APPOINTMENTS = {"company__neq__startswith": NEQ_PREFIX}
LOAD_REQUESTS = {"company__neq__startswith": NEQ_PREFIX}


ANALYZED_MODELS = [
    User,
    Company,
    EmployerProfile,
    Advisor,
    Advisor.service_points.through,
    Advisor.languages.through,
    Advisor.topics.through,
    WeeklyAvailability,
    Appointment,
    ConsultationRequest,
]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seeded_network: bool = False
    skipped_appointments: bool = False
    elapsed: float = 0.0

    def add(self, kind: str, n: int) -> None:
        if n:
            self.created[kind] = self.created.get(kind, 0) + n


def _rng(seed: int, *key) -> random.Random:
    """One generator per kind of row: adding clones never shifts the companies' values."""
    return random.Random(":".join(str(k) for k in (seed, *key)))


def _unusable_password(rng: random.Random) -> str:
    return UNUSABLE_PASSWORD_PREFIX + f"{rng.getrandbits(160):040x}"


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@contextmanager
def _dated_by_hand(model, field_name: str = "created_at"):
    """Let bulk_create keep the `auto_now_add` date we set: load rows have a past."""
    model_field = model._meta.get_field(field_name)
    model_field.auto_now_add = False
    try:
        yield
    finally:
        model_field.auto_now_add = True


def _bulk(model, objects, report: LoadReport, kind: str) -> None:
    for i in range(0, len(objects), BATCH_SIZE):
        model.objects.bulk_create(objects[i : i + BATCH_SIZE], batch_size=BATCH_SIZE)
    report.add(kind, len(objects))


# --- Network and advisers ----------------------------------------------------------------------


def ensure_network(report: LoadReport) -> None:
    """Run seed_network() when the real advisers are missing."""
    if not Advisor.objects.exclude(**LOAD_ADVISERS).exists():
        seed_network()
        report.seeded_network = True


def scale_advisers(scale: int, seed: int, report: LoadReport) -> None:
    """(scale - 1) clones of every real adviser: same points, topics, languages and week."""
    real = list(
        Advisor.objects.exclude(**LOAD_ADVISERS)
        .select_related("user")
        .prefetch_related("service_points", "languages", "topics", "weekly_availability")
        .order_by("pk")
    )
    wanted = (scale - 1) * len(real)
    if wanted <= 0:
        return
    existing = set(
        User.objects.filter(email__endswith="@" + LOAD_EMAIL_DOMAIN).values_list("email", flat=True)
    )
    missing = [n for n in range(1, wanted + 1) if ADVISER_EMAIL.format(n) not in existing]
    if not missing:
        return
    source = {n: real[(n - 1) % len(real)] for n in missing}
    users = []
    for n in missing:
        model = source[n].user
        users.append(
            User(
                email=ADVISER_EMAIL.format(n),
                first_name=model.first_name,
                last_name=f"{model.last_name} {n}",
                password=_unusable_password(_rng(seed, "adviser", n)),
            )
        )
    _bulk(User, users, report, "users")
    user_ids = dict(User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk"))
    advisers = [
        Advisor(
            user_id=user_ids[ADVISER_EMAIL.format(n)],
            home_service_point_id=source[n].home_service_point_id,
            travel_radius_km=source[n].travel_radius_km,
            buffer_before_minutes=source[n].buffer_before_minutes,
            buffer_after_minutes=source[n].buffer_after_minutes,
            max_appointments_per_day=source[n].max_appointments_per_day,
            is_active=source[n].is_active,
        )
        for n in missing
    ]
    _bulk(Advisor, advisers, report, "advisers")
    advisor_ids = dict(Advisor.objects.filter(user_id__in=user_ids.values()).values_list("user_id", "pk"))
    points, languages, topics, weekly = [], [], [], []
    for n in missing:
        model, pk = source[n], advisor_ids[user_ids[ADVISER_EMAIL.format(n)]]
        points += [
            Advisor.service_points.through(advisor_id=pk, servicepoint_id=p.pk)
            for p in model.service_points.all()
        ]
        languages += [
            Advisor.languages.through(advisor_id=pk, language_id=x.pk) for x in model.languages.all()
        ]
        topics += [Advisor.topics.through(advisor_id=pk, topic_id=t.pk) for t in model.topics.all()]
        weekly += [
            WeeklyAvailability(
                advisor_id=pk,
                weekday=w.weekday,
                start_time=w.start_time,
                end_time=w.end_time,
                service_point_id=w.service_point_id,
            )
            for w in model.weekly_availability.all()
        ]
    _bulk(Advisor.service_points.through, points, report, "adviser service points")
    _bulk(Advisor.languages.through, languages, report, "adviser languages")
    _bulk(Advisor.topics.through, topics, report, "adviser topics")
    _bulk(WeeklyAvailability, weekly, report, "weekly availability blocks")


# --- Companies and employers -------------------------------------------------------------------

SECTORS = [value for value, _label in Company.Sector.choices]
SIZES = ([value for value, _label in Company.Size.choices], [30, 35, 20, 10, 5])
STREETS = ["rue Principale", "boulevard Industriel", "rue du Moulin", "rue Notre-Dame", "chemin du Lac"]
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


def _company_neq(n: int) -> str:
    return f"{NEQ_PREFIX}{n:09d}"


def ensure_companies(count: int, seed: int, report: LoadReport) -> None:
    """Load companies 1..count (NEQ 9000000001…), each with one employer account."""
    existing = set(Company.objects.filter(neq__startswith=NEQ_PREFIX).values_list("neq", flat=True))
    missing = [n for n in range(1, count + 1) if _company_neq(n) not in existing]
    if not missing:
        return
    municipalities = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
    companies, users = [], []
    for n in missing:
        rng = _rng(seed, "company", n)
        postal = (
            f"{rng.choice('GHJ')}{rng.randint(0, 9)}{rng.choice(POSTAL_LETTERS[:-2])} "
            f"{rng.randint(0, 9)}{rng.choice(POSTAL_LETTERS)}{rng.randint(0, 9)}"
        )
        companies.append(
            Company(
                neq=_company_neq(n),
                legal_name=f"Entreprise de charge {n} inc.",
                sector=rng.choice(SECTORS),
                size=rng.choices(*SIZES)[0],
                street_address=f"{rng.randint(1, 9999)}, {rng.choice(STREETS)}",
                postal_code=postal,
                municipality_id=rng.choice(municipalities),
            )
        )
        users.append(
            User(
                email=EMPLOYER_EMAIL.format(n),
                first_name="Employeur",
                last_name=f"Charge {n}",
                password=_unusable_password(rng),
            )
        )
    _bulk(Company, companies, report, "companies")
    _bulk(User, users, report, "users")
    company_ids = dict(Company.objects.filter(neq__in=[c.neq for c in companies]).values_list("neq", "pk"))
    user_ids = dict(User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk"))
    profiles = [
        EmployerProfile(
            user_id=user_ids[EMPLOYER_EMAIL.format(n)],
            company_id=company_ids[_company_neq(n)],
            job_title="Responsable des ressources humaines",
        )
        for n in missing
    ]
    _bulk(EmployerProfile, profiles, report, "employer profiles")


# --- Day patterns ------------------------------------------------------------------------------


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


# --- Appointments ------------------------------------------------------------------------------


@dataclass
class DayPlan:
    shape: AdviserShape
    day: date
    capacity: int
    active: int = 0
    cancelled: int = 0


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _plans(shapes, days, blocked) -> list[DayPlan]:
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


def _spread(plans: list[DayPlan], total: int, upper, rng: random.Random) -> None:
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


def _scatter(plans: list[DayPlan], count: int, rng: random.Random) -> None:
    for _ in range(count):
        rng.choice(plans).cancelled += 1


def _future_upper(p: DayPlan) -> int:
    return min(p.capacity, math.ceil(FUTURE_FILL_MAX * p.capacity))


def _past_upper(p: DayPlan) -> int:
    return p.capacity


def load_appointments(total: int, seed: int, report: LoadReport, *, now: datetime) -> None:
    """Place `total` load appointments (see the module docstring), in batches of BATCH_SIZE."""
    tz = local_zone()
    rng = _rng(seed, "appointments")
    # Booking dates from their own generator: the placement above stays what it was.
    booked_rng = _rng(seed, "appointments booked at")
    today = now.astimezone(tz).date()
    shapes = [s for s in adviser_shapes() if s.blocks and s.topics]
    if not shapes:
        raise ValueError("No active adviser with weekly availability and topics: run seed_network first.")
    ids = [s.pk for s in shapes]

    future_days = _days(today + timedelta(days=1), today + timedelta(days=FUTURE_DAYS))
    blocked = blocked_days(ids, future_days[0], future_days[-1])
    future = _plans(shapes, future_days, blocked)
    future_capacity = sum(p.capacity for p in future)
    future_room = min(sum(_future_upper(p) for p in future), math.floor(FUTURE_FILL_MAX * future_capacity))
    future_total = round(total * (1 - PAST_SHARE))
    future_active = future_total - round(future_total * FUTURE_CANCELLED)
    if future_active > future_room:
        future_active = future_room
        future_total = min(round(future_active / (1 - FUTURE_CANCELLED)), total)
        report.notes.append(
            f"future days hold at most {future_room} active appointments at "
            f"{FUTURE_FILL_MAX:.0%} fill: {future_total} future appointments instead of "
            f"{round(total * (1 - PAST_SHARE))}"
        )
    past_total = total - future_total
    past_active = past_total - round(past_total * PAST_CANCELLED)

    past_days_count = PAST_DAYS
    while True:
        past_days = _days(today - timedelta(days=past_days_count), today)
        blocked = blocked_days(ids, past_days[0], past_days[-1])
        past = _plans(shapes, past_days, blocked)
        past_room = sum(p.capacity for p in past)
        if past_active <= PAST_FILL_MAX * past_room:
            break
        if past_days_count >= MAX_PAST_DAYS:
            raise ValueError(
                f"{total} appointments do not fit in the calendars of {len(shapes)} advisers "
                f"(past capacity {past_room} over {past_days_count} days): use a larger --scale"
            )
        past_days_count = min(MAX_PAST_DAYS, past_days_count + 7)
    if past_days_count > PAST_DAYS:
        report.notes.append(
            f"{past_active} past active appointments exceed {PAST_FILL_MAX:.0%} of the capacity "
            f"of the past {PAST_DAYS} days: the past window starts {past_days_count} days ago"
        )

    _spread(future, future_active, _future_upper, rng)
    _spread(past, past_active, _past_upper, rng)
    _scatter(future, future_total - future_active, rng)
    _scatter(past, past_total - past_active, rng)

    companies = list(
        Company.objects.filter(neq__startswith=NEQ_PREFIX)
        .order_by("neq")
        .values_list("pk", "municipality_id", "municipality__region_id", "representatives__user_id")
    )
    by_region = defaultdict(list)
    for company in companies:
        by_region[company[2]].append(company)

    batch: list[Appointment] = []
    created = 0
    block_starts: dict[tuple[date, time], datetime] = {}
    for plan in sorted(past + future, key=lambda p: p.day):
        if not (plan.active or plan.cancelled):
            continue
        shape, day = plan.shape, plan.day
        patterns = shape.patterns(day.weekday())
        blocks = shape.blocks[day.weekday()]
        placed = [(*slot, True) for slot in rng.choice(patterns[plan.active])] if plan.active else []
        placed += [(*rng.choice(patterns[1])[0], False) for _ in range(plan.cancelled)]
        local_companies = by_region.get(shape.region_id)
        for index, offset, duration, active in placed:
            block_start, _end, point_id = blocks[index]
            key = (day, block_start)
            if key not in block_starts:
                block_starts[key] = datetime.combine(day, block_start, tzinfo=tz).astimezone(UTC)
            starts_at = block_starts[key] + timedelta(minutes=offset)
            ends_at = starts_at + timedelta(minutes=duration)
            if local_companies and rng.random() < SAME_REGION_SHARE:
                company_id, municipality_id, _region, user_id = rng.choice(local_companies)
            else:
                company_id, municipality_id, _region, user_id = rng.choice(companies)
            modes = MODES_AT_A_POINT if point_id else MODES_REMOTE
            mode = rng.choices(*modes)[0]
            cancelled_at = None
            if not active:
                status = Appointment.Status.CANCELLED
                cancelled_at = min(now, starts_at - timedelta(hours=rng.randint(2, 24 * 14)))
            elif ends_at > now:
                status = Appointment.Status.CONFIRMED
            elif rng.random() < PAST_NO_SHOW / (1 - PAST_CANCELLED):
                status = Appointment.Status.NO_SHOW
            else:
                status = Appointment.Status.COMPLETED
            created_at = min(now, starts_at - timedelta(hours=booked_rng.randint(4, BOOKING_LEAD_MAX_HOURS)))
            if cancelled_at is not None:
                created_at = min(created_at, cancelled_at - timedelta(hours=1))
            batch.append(
                Appointment(
                    uid=_uuid(rng),
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
            )
            if len(batch) >= BATCH_SIZE:
                with _dated_by_hand(Appointment):
                    Appointment.objects.bulk_create(batch, batch_size=BATCH_SIZE)
                created += len(batch)
                batch = []
    if batch:
        with _dated_by_hand(Appointment):
            Appointment.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        created += len(batch)
    report.add("appointments", created)
    report.notes.append(
        f"{created - future_total} past appointments over {past_days_count + 1} days, "
        f"{future_total} future over {FUTURE_DAYS} days "
        f"(active fill: past {past_active / max(past_room, 1):.0%}, "
        f"future {future_active / max(future_capacity, 1):.0%} of capacity)"
    )


# --- Consultation requests ---------------------------------------------------------------------

RequestStatus = ConsultationRequest.Status
REQUEST_STATUSES = (
    [
        RequestStatus.BOOKED,
        RequestStatus.WITHDRAWN,
        RequestStatus.ASSIGNED,
        RequestStatus.PROPOSED,
        RequestStatus.MANAGER,
    ],
    [70, 10, 10, 5, 5],
)
REQUEST_HOPS = ([1, 2, 3], [75, 18, 7])
REQUEST_MODES = ([Mode.SERVICE_POINT, Mode.VIDEO, Mode.PHONE, Mode.PREMISES], [35, 30, 25, 10])
REQUEST_OVERDUE = 0.2  # share of the requests waiting for their adviser whose answer is late
REQUEST_OPEN_DAYS = 5  # requests still waiting for an adviser were sent in the last few days
REQUEST_MANAGER_DAYS = 30
REQUEST_ENGLISH = 0.1


def _sent_at(rng: random.Random, now: datetime, days: int) -> datetime:
    return now - timedelta(seconds=rng.randint(600, days * 86400))


def load_requests(total: int, seed: int, report: LoadReport, *, now: datetime) -> None:
    """`total` consultation requests of load companies in every routing state.

    Most are booked: those take a load appointment of their own (same company, topic, mode and
    adviser, sent 1 to 21 days before it) while unlinked active load appointments last; the
    others are booked without a link. Waiting requests are recent, with an answer due in the
    next business days (a fifth overdue); requests with the manager went through every hop or
    found nobody; withdrawn ones are spread over the past PAST_DAYS days.
    """
    rng = _rng(seed, "requests")
    companies = list(
        Company.objects.filter(neq__startswith=NEQ_PREFIX)
        .order_by("neq")
        .values_list(
            "pk", "municipality_id", "municipality__region__directorate_id", "representatives__user_id"
        )
    )
    if not companies:
        raise ValueError("No load company: create load appointments first (--appointments).")
    representative = {pk: user_id for pk, _m, _d, user_id in companies}
    advisers = defaultdict(list)
    for pk, directorate_id in (
        Advisor.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "home_service_point__municipality__region__directorate_id")
    ):
        advisers[directorate_id].append(pk)
    everyone = [pk for group in advisers.values() for pk in group]
    if not everyone:
        raise ValueError("No active adviser: run seed_network first.")
    knows = defaultdict(list)
    for advisor_id, topic_id in Advisor.topics.through.objects.order_by("pk").values_list(
        "advisor_id", "topic_id"
    ):
        knows[advisor_id].append(topic_id)
    managers = dict(RegionalDirectorate.objects.values_list("pk", "manager_id"))
    sla = settings.ROUTING_SLA_BUSINESS_HOURS

    statuses = rng.choices(*REQUEST_STATUSES, k=total)
    wanted_links = statuses.count(RequestStatus.BOOKED)
    free = Appointment.objects.filter(
        **LOAD_APPOINTMENTS, status__in=Appointment.ACTIVE_STATUSES, request__isnull=True
    )
    # Every n-th free appointment (by id) gives about as many as needed without reading them all.
    step = max(1, free.count() // max(wanted_links, 1))
    if step > 1:
        free = free.alias(bucket=F("pk") % step).filter(bucket=0)
    links = list(
        free.order_by("pk").values_list(
            "pk", "company_id", "municipality_id", "topic_id", "mode", "advisor_id", "starts_at", "created_at"
        )
    )
    rng.shuffle(links)

    batch: list[ConsultationRequest] = []
    created = linked = overdue = 0
    for status in statuses:
        late = False
        row = ConsultationRequest(
            uid=_uuid(rng),
            status=status,
            language="en" if rng.random() < REQUEST_ENGLISH else "fr",
        )
        if status == RequestStatus.BOOKED and links:
            pk, company_id, municipality_id, topic_id, mode, advisor_id, starts_at, booked_at = links.pop()
            sent = min(starts_at - timedelta(hours=rng.randint(24, 21 * 24)), booked_at, now)
            row.appointment_id = pk
            row.company_id, row.municipality_id = company_id, municipality_id
            row.topic_id, row.mode = topic_id, mode
            row.assigned_advisor_id = advisor_id
            row.hops = rng.choices(*REQUEST_HOPS)[0]
            row.accepted_at = min(booked_at, sent + timedelta(hours=rng.randint(1, 30)))
            linked += 1
        else:
            company_id, municipality_id, directorate_id, _user = rng.choice(companies)
            nearby = advisers.get(directorate_id) or everyone
            advisor_id = rng.choice(nearby)
            row.company_id, row.municipality_id = company_id, municipality_id
            row.topic_id = rng.choice(knows[advisor_id] or [t for group in knows.values() for t in group])
            row.mode = rng.choices(*REQUEST_MODES)[0]
            row.hops = rng.choices(*REQUEST_HOPS)[0]
            row.assigned_advisor_id = advisor_id
            late = status == RequestStatus.ASSIGNED and rng.random() < REQUEST_OVERDUE
            if late:
                sent = now - timedelta(seconds=rng.randint(3 * 86400, 10 * 86400))
                overdue += 1
            elif status in (RequestStatus.ASSIGNED, RequestStatus.PROPOSED):
                sent = _sent_at(rng, now, REQUEST_OPEN_DAYS)
            elif status == RequestStatus.MANAGER:
                sent = _sent_at(rng, now, REQUEST_MANAGER_DAYS)
                row.assigned_advisor_id = None
                row.assigned_manager_id = managers.get(directorate_id)
                # Either every hop timed out, or no adviser covered the request at all.
                row.hops = settings.ROUTING_MAX_HOPS + 1 if rng.random() < 0.7 else 1
            else:
                sent = _sent_at(rng, now, PAST_DAYS)
                if status == RequestStatus.WITHDRAWN and rng.random() < 0.4:
                    row.assigned_advisor_id = None  # withdrawn before routing
                    row.hops = 0
            if status in (RequestStatus.PROPOSED, RequestStatus.BOOKED):
                row.accepted_at = min(now, sent + timedelta(hours=rng.randint(1, 30)))
        row.requested_by_id = representative[row.company_id]
        row.created_at = sent
        if row.hops:
            # The current hop was assigned once the previous ones had timed out (16 h each).
            row.assigned_at = min(now, sent + timedelta(minutes=1 + (row.hops - 1) * 16 * 60))
            if row.assigned_advisor_id:
                row.due_at = add_business_hours(row.assigned_at, sla)
        if status == RequestStatus.ASSIGNED:
            if late:
                row.due_at = now - timedelta(minutes=rng.randint(5, 24 * 60))
            elif row.due_at <= now:
                row.due_at = now + timedelta(minutes=rng.randint(30, 48 * 60))
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            with _dated_by_hand(ConsultationRequest):
                ConsultationRequest.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            created += len(batch)
            batch = []
    if batch:
        with _dated_by_hand(ConsultationRequest):
            ConsultationRequest.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        created += len(batch)
    report.add("consultation requests", created)
    report.notes.append(
        f"{created} consultation requests: {statuses.count(RequestStatus.BOOKED)} booked "
        f"({linked} linked to a load appointment), {statuses.count(RequestStatus.ASSIGNED)} waiting "
        f"for an adviser ({overdue} overdue), {statuses.count(RequestStatus.PROPOSED)} with proposed "
        f"times, {statuses.count(RequestStatus.MANAGER)} with the manager, "
        f"{statuses.count(RequestStatus.WITHDRAWN)} withdrawn"
    )


def load_request_count() -> int:
    return ConsultationRequest.objects.filter(**LOAD_REQUESTS).count()


def load_appointment_count() -> int:
    return Appointment.objects.filter(**LOAD_APPOINTMENTS).count()


def seed_load(
    *, appointments: int, requests: int = 0, scale: int = 1, seed: int = 1, now: datetime | None = None
) -> LoadReport:
    """Network (if missing) → cloned advisers → companies → appointments → requests, in one
    transaction."""
    if scale < 1:
        raise ValueError("scale must be 1 or more")
    if appointments < 0:
        raise ValueError("appointments must be 0 or more")
    if requests < 0:
        raise ValueError("requests must be 0 or more")
    started = time_module.perf_counter()
    now = now or timezone.now()
    report = LoadReport()
    with transaction.atomic():
        ensure_network(report)
        scale_advisers(scale, seed, report)
        existing = load_appointment_count()
        existing_requests = load_request_count()
        if existing >= appointments:
            report.skipped_appointments = True
            if appointments:
                report.notes.append(
                    f"the database already holds {existing} load appointments (≥ {appointments}): "
                    "no appointment created"
                )
        else:
            ensure_companies(max(1, math.ceil(appointments / APPOINTMENTS_PER_COMPANY)), seed, report)
            if existing_requests:
                # They point at the appointments about to be replaced: replaced with them.
                ConsultationRequest.objects.filter(**LOAD_REQUESTS).delete()
                existing_requests = 0
            if existing:
                Appointment.objects.filter(**LOAD_APPOINTMENTS).delete()
                report.notes.append(f"replaced the {existing} load appointments already there")
            load_appointments(appointments, seed, report, now=now)
        if existing_requests >= requests:
            if requests:
                report.notes.append(
                    f"the database already holds {existing_requests} load consultation requests "
                    f"(≥ {requests}): no request created"
                )
        else:
            if existing_requests:
                ConsultationRequest.objects.filter(**LOAD_REQUESTS).delete()
                report.notes.append(
                    f"replaced the {existing_requests} load consultation requests already there"
                )
            load_requests(requests, seed, report, now=now)
    if report.created and connection.vendor == "postgresql":
        # Fresh statistics for the planner, and (outside a transaction) a fresh visibility map
        # for index-only scans (the dashboards' covering index): a bulk load leaves both stale
        # until autovacuum comes by (never, where it is off).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in ANALYZED_MODELS:
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
        report.notes.append(f"{command} run on the loaded tables")
    report.elapsed = time_module.perf_counter() - started
    return report
