"""Reads for booking: which advisers are nearest and qualified, and their earliest free slots.

The number of queries does not depend on the number of advisers or appointments. The booking
search (`available_slots`) answers from the catalogue kept in memory (appointments.catalogue:
1 query to check it is current) and reads only the appointments and claims of the few nearest
advisers, fresh (1 query a batch). The booking service and routing read the same rows from the
database (`qualified_candidates`, `load_calendars`), under their locks.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from advisors.models import Advisor, AvailabilityException, TimeOff, WeeklyAvailability
from appointments import claims, metrics
from appointments.catalogue import ZONES, Catalogue, hours_zone, kept_catalogue, read_generation_and_catalogue
from appointments.models import Appointment, Mode, Topic, zone_of_meeting
from appointments.slots import AdvisorCalendar, Block, Slot, free_slots
from core import phones
from core.business_hours import add_business_days, local_zone
from core.catalogue import current_generation, generation_row_sql
from core.collation import name_order
from core.local_time import EASTERN
from service_points.distance import great_circle_km
from service_points.models import Municipality, ServicePoint
from service_points.territory import covering

DAYS_PER_GROUP = 5  # "the next 5 days that have slots"
GROUPS = 5  # nearest adviser / service point groups shown
SEARCH_WINDOW_DAYS = 14  # calendar window loaded per search page ("more dates" pages on)
REMOTE_MODES = (Mode.PHONE, Mode.VIDEO)
# Continuity: the adviser who served the company last is preferred only if they are among this
# many nearest qualified advisers (as many as routing weighs: routing.STORED_CANDIDATES).
CONTINUITY_REACH = 10


@dataclass
class Option:
    """One adviser (and, for meetings at a service point, one point) ranked by distance.

    Ranking works on ids and coordinates only; `advisor` and `service_point` are filled in
    (`hydrate`) for the few options a page shows.
    """

    advisor_id: int
    service_point_id: int | None
    distance_km: float
    allowed_points: frozenset  # ids of points whose blocks serve this option; None = remote blocks
    advisor: Advisor | None = None
    service_point: ServicePoint | None = None
    preferred: bool = False  # the adviser who served the company last on this topic (continuity)
    # Its point's territory covers the employer's municipality (service_points.territory); None
    # where no point's does, so that sectorisation says nothing there.
    in_territory: bool | None = None

    def accepts(self, service_point_id: int | None) -> bool:
        return service_point_id in self.allowed_points


@dataclass
class Candidate:
    """A qualified adviser as ranking needs it: travel radius and active points' coordinates."""

    advisor_id: int
    travel_radius_km: int
    points: dict[int, tuple[float, float]] = field(default_factory=dict)
    staffed: set[int] = field(default_factory=set)  # points with a weekly block or an opening


@dataclass
class SlotGroup:
    option: Option
    days: list[tuple[date, list[Slot]]] = field(default_factory=list)
    # The zone the page shows these times in (Appointment.time_zone of the meeting they would
    # make), set by the booking page, which knows the mode and the company's municipality.
    time_zone: str = EASTERN

    @property
    def advisor(self) -> Advisor:
        return self.option.advisor

    @property
    def service_point(self) -> ServicePoint | None:
        return self.option.service_point

    @property
    def distance_km(self) -> float:
        return self.option.distance_km

    @property
    def preferred(self) -> bool:
        return self.option.preferred

    @property
    def outside_territory(self) -> bool:
        """Offered although its point does not serve the employer's municipality ("hors territoire")."""
        return self.option.in_territory is False


def show_in_meeting_zones(groups: list[SlotGroup], *, mode: str, location: Municipality) -> None:
    """Give each group the zone its times are shown in: that of the meeting they would make
    (appointments.models.zone_of_meeting), for a page that knows the mode and the company's place."""
    for group in groups:
        group.time_zone = zone_of_meeting(mode=mode, point=group.service_point, location=location)


@dataclass
class SlotSearch:
    groups: list[SlotGroup]
    window_start: date
    window_end: date  # exclusive
    horizon_end: date
    next_from: date | None  # "more dates" start, None when the horizon is reached
    earliest_day: date | None = None  # the first day the minimum notice allows
    requested: date | None = None  # the window asked for began here (skip_empty may move it on)
    # The catalogue generation the answer was read under, confirmed by its appointments query
    # (None: no generation to go by): what the page around it may be checked against.
    generation: int | None = None

    @property
    def outside_territory(self) -> bool:
        """Its times are outside the employer's territory: none inside had one (territory_pools)."""
        return bool(self.groups) and self.groups[0].outside_territory

    @property
    def last_day(self) -> date:
        """The last day that can be booked (the topic's horizon)."""
        return self.horizon_end - timedelta(days=1)

    @property
    def skipped_from(self) -> date | None:
        """The day asked for, when it had no free time and the window moved on to a later one."""
        return self.requested if self.requested and self.window_start > self.requested else None


@dataclass(frozen=True)
class PickerDay:
    """One day of the day picker: its free times among the groups shown."""

    day: date
    count: int
    chosen: bool = False
    new_month: bool = False  # the first day shown, or the first shown of its month


@dataclass
class DayPicker:
    """The booking page's step 2: the window's days with their counts, then the chosen day's
    times per adviser and place. Built from one SlotSearch (`day_picker`), without a query."""

    search: SlotSearch
    days: list[PickerDay]
    columns: int  # 5 (Monday to Friday), 7 when a weekend day has free times
    chosen: date | None
    groups: list[tuple[SlotGroup, list[Slot]]]  # the chosen day's times, nearest first
    previous_start: date | None  # the window before, None at the first bookable day
    next_start: date | None

    @property
    def total(self) -> int:
        return sum(day.count for day in self.days)

    @property
    def first_column(self) -> int:
        """The grid column of the first day shown (1 = Monday)."""
        return self.days[0].day.weekday() + 1 if self.days else 1

    @property
    def last_day(self) -> date:
        return self.days[-1].day if self.days else self.search.window_start


class CatalogueChanged(Exception):
    """The catalogue copy a search started from is not the committed one any more."""


@dataclass
class Trust:
    """The generation of the catalogue copy a search uses, until a query confirms it (None: the
    copy was read after the generation, in this search: nothing to confirm)."""

    generation: int | None
    confirmed: bool = False

    def confirm(self, generation: int | None) -> None:
        if self.generation is not None and generation != self.generation:
            raise CatalogueChanged
        self.confirmed = True


def qualified_candidates(
    *, topic: Topic, language: str | None = None, advisor_id: int | None = None
) -> list[Candidate]:
    """Active advisers with the topic's expertise (and the language), with their active points.

    One query over the adviser ↔ service point table returning plain tuples: ranking 550
    advisers costs no model instances. Each point says whether the adviser actually works there
    (a weekly block, or an opening from today on): an adviser attached to a point they never
    staff is no option for a meeting at that point.
    """
    staffed = Exists(
        WeeklyAvailability.objects.filter(
            advisor_id=OuterRef("advisor_id"), service_point_id=OuterRef("servicepoint_id")
        )
    ) | Exists(
        AvailabilityException.objects.filter(
            advisor_id=OuterRef("advisor_id"),
            service_point_id=OuterRef("servicepoint_id"),
            kind=AvailabilityException.Kind.OPEN,
            date__gte=timezone.localdate(),
        )
    )
    rows = Advisor.service_points.through.objects.filter(
        advisor__is_active=True, advisor__topics=topic, servicepoint__is_active=True
    ).annotate(staffed=staffed)
    if language:
        rows = rows.filter(advisor__languages__code=language)
    if advisor_id is not None:
        rows = rows.filter(advisor_id=advisor_id)
    candidates: dict[int, Candidate] = {}
    for a_id, radius, point_id, lat, lon, staffed_here in rows.values_list(
        "advisor_id",
        "advisor__travel_radius_km",
        "servicepoint_id",
        "servicepoint__latitude",
        "servicepoint__longitude",
        "staffed",
    ):
        candidate = candidates.get(a_id) or candidates.setdefault(a_id, Candidate(a_id, radius))
        candidate.points[point_id] = (lat, lon)
        if staffed_here:
            candidate.staffed.add(point_id)
    return list(candidates.values())


def ranked_options(
    candidates: list[Candidate],
    *,
    mode: str,
    latitude: float,
    longitude: float,
    serving: frozenset[int] = frozenset(),
) -> list[Option]:
    """Advisers (× service points for meetings at a point) sorted by territory, then great-circle
    distance: first the options whose point is one of `serving` (the points whose territory
    covers the employer: service_points.territory), each marked `in_territory` (None for all
    when `serving` is empty). A visit leaves from, and a call is made from, a point in the
    territory if the adviser has one."""
    options = []
    sectorised = bool(serving)
    for c in candidates:
        distances = {
            pid: great_circle_km(latitude, longitude, lat, lon) for pid, (lat, lon) in c.points.items()
        }
        if not distances:
            continue
        if mode == Mode.SERVICE_POINT:
            options.extend(
                Option(c.advisor_id, pid, km, frozenset({pid}), in_territory=sectorised and pid in serving)
                for pid, km in distances.items()
                if pid in c.staffed
            )
        elif mode == Mode.PREMISES:
            # The adviser leaves from a point they staff within their travel radius of the company.
            reachable = {
                pid: km for pid, km in distances.items() if km <= c.travel_radius_km and pid in c.staffed
            }
            if reachable:
                inside = sectorised and not serving.isdisjoint(reachable)
                nearest = _nearest(reachable, serving if inside else reachable)
                options.append(
                    Option(
                        c.advisor_id, nearest, reachable[nearest], frozenset(reachable), in_territory=inside
                    )
                )
        else:
            inside = sectorised and not serving.isdisjoint(distances)
            nearest = _nearest(distances, serving if inside else distances)
            options.append(
                Option(
                    c.advisor_id, None, distances[nearest], frozenset([*distances, None]), in_territory=inside
                )
            )
    if not sectorised:
        for option in options:
            option.in_territory = None
    options.sort(
        key=lambda o: (not o.in_territory, round(o.distance_km, 1), o.advisor_id, o.service_point_id or 0)
    )
    return options


def _nearest(distances: dict[int, float], among) -> int:
    """The point of `distances` nearest the employer, among the ids `among`."""
    return min((pid for pid in distances if pid in among), key=distances.get)


def territory_pools(options: list[Option]) -> list[list[Option]]:
    """`options` (as ranked_options sorts them) split in two: those in the employer's territory,
    then the others, offered only when none of the first has a time. One pool where no point
    serves the employer (nothing is in or out of territory)."""
    inside = [o for o in options if o.in_territory]
    if not inside or len(inside) == len(options):
        return [options]
    return [inside, options[len(inside) :]]


def prefer_advisor(options: list[Option], advisor_id: int | None) -> list[Option]:
    """Continuity: the adviser's options first (marked `preferred`), if they are within reach:
    among the CONTINUITY_REACH nearest advisers of `options` (which hold only advisers qualified
    for the topic, language and mode; for visits, within their travel radius)."""
    if advisor_id is None:
        return options
    nearest: set[int] = set()
    for option in options:
        if option.advisor_id == advisor_id:
            break
        nearest.add(option.advisor_id)
        if len(nearest) >= CONTINUITY_REACH:
            return options
    else:
        return options  # not an option at all
    first = [option for option in options if option.advisor_id == advisor_id]
    for option in first:
        option.preferred = True
    return first + [option for option in options if option.advisor_id != advisor_id]


def last_advisor(company, topic: Topic, *, now: datetime | None = None) -> Advisor | None:
    """The adviser who served the company last on this topic, if still active: 1 query.

    Their latest completed consultation of the topic; failing that, their latest past one still
    "confirmed" (held, outcome not recorded yet). A no-show or a cancellation served nobody and
    does not count; a completed one wins over a more recent unrecorded one, being proof of a
    meeting. `company` is a Company or its id (None: no preference)."""
    if company is None:
        return None
    now = now or timezone.now()
    done = Appointment.Status.COMPLETED
    appointment = (
        Appointment.objects.filter(
            company_id=getattr(company, "pk", company),
            topic=topic,
            starts_at__lt=now,
            status__in=(done, Appointment.Status.CONFIRMED),
            advisor__is_active=True,
        )
        .annotate(held=Case(When(status=done, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .select_related("advisor__user")
        .order_by("-held", "-starts_at", "-pk")
        .first()
    )
    return appointment.advisor if appointment else None


# `upcoming_and_last_advisor` in SQL: the results page runs it on every load, and Django's
# compiler took 4 ms of CPU for it (a subquery, a CASE and two joins), the query itself 0.1 ms.
_UPCOMING_AND_LAST_SQL = """
SELECT a.id, a.uid, a.starts_at, a.ends_at, a.status, a.advisor_id, a.company_id, a.topic_id
FROM {appointment} a
WHERE a.company_id = %(company)s AND a.topic_id = %(topic)s
  AND ((a.status = %(confirmed)s AND a.starts_at > %(now)s) OR a.id = (
    SELECT b.id FROM {appointment} b JOIN {advisor} v ON v.id = b.advisor_id
    WHERE b.company_id = %(company)s AND b.topic_id = %(topic)s AND b.starts_at < %(now)s
      AND b.status IN (%(completed)s, %(confirmed)s) AND v.is_active
    ORDER BY b.status = %(completed)s DESC, b.starts_at DESC, b.id DESC
    LIMIT 1))
ORDER BY a.starts_at
"""


def upcoming_and_last_advisor(
    company, topic: Topic, *, now: datetime | None = None
) -> tuple[list[Appointment], Advisor | None]:
    """`upcoming_on_topic` and `last_advisor` together, in 1 query (the results page wants both):
    the upcoming ones, and the one `last_advisor` picks. Advisers come from the slot search's
    catalogue in memory when it has them (the names are confirmed by the search's query)."""
    now = now or timezone.now()
    sql = _UPCOMING_AND_LAST_SQL.format(
        appointment=Appointment._meta.db_table, advisor=Advisor._meta.db_table
    )
    params = {
        "company": getattr(company, "pk", company),
        "topic": topic.pk,
        "now": now,
        "confirmed": Appointment.Status.CONFIRMED.value,
        "completed": Appointment.Status.COMPLETED.value,
    }
    rows = list(Appointment.objects.raw(sql, params))
    if rows:
        kept = kept_catalogue()
        advisors = dict(kept[1].advisors) if kept else {}
        missing = {a.advisor_id for a in rows} - advisors.keys()
        if missing:
            advisors.update(Advisor.objects.select_related("user").in_bulk(missing))
        for appointment in rows:
            appointment.advisor = advisors[appointment.advisor_id]
    upcoming = [a for a in rows if a.starts_at > now]
    served = next((a.advisor for a in rows if a.starts_at < now), None)
    return upcoming, served


def hydrate(options: list[Option]) -> None:
    """Attach the Advisor (with user and languages) and ServicePoint objects: 3 queries, none for
    options hydrated already (a search's second pass)."""
    options = [o for o in options if o.advisor is None]
    if not options:
        return
    advisors = (
        Advisor.objects.select_related("user")
        .prefetch_related("languages")
        .in_bulk({o.advisor_id for o in options})
    )
    points = ServicePoint.objects.select_related("municipality").in_bulk(
        {o.service_point_id for o in options if o.service_point_id}
    )
    for option in options:
        option.advisor = advisors[option.advisor_id]
        option.service_point = points.get(option.service_point_id)


def load_calendars(
    advisors: list[Advisor], *, start: date, end: date, keep_claim: str | None = None
) -> dict[int, AdvisorCalendar]:
    """The calendars of the given advisers for [start, end): 4 queries whatever their size.

    Times other apps claim (appointments.claims: waitlist offers…) count as booked, except the
    claim `keep_claim` (the offer being confirmed)."""
    ids = [a.pk for a in advisors]
    window_from, window_to = calendar_window(start, end)
    weekly = defaultdict(lambda: defaultdict(list))
    for advisor_id, weekday, s, e, point_id, *zones in WeeklyAvailability.objects.filter(
        advisor_id__in=ids
    ).values_list("advisor_id", "weekday", "start_time", "end_time", "service_point_id", *ZONES):
        weekly[advisor_id][weekday].append(Block(s, e, point_id, hours_zone(*zones)))
    opened = defaultdict(lambda: defaultdict(list))
    closed = defaultdict(lambda: defaultdict(list))
    for advisor_id, day, kind, s, e, point_id, *zones in AvailabilityException.objects.filter(
        advisor_id__in=ids, date__gte=start, date__lt=end
    ).values_list("advisor_id", "date", "kind", "start_time", "end_time", "service_point_id", *ZONES):
        if kind == AvailabilityException.Kind.OPEN:
            opened[advisor_id][day].append(Block(s, e, point_id, hours_zone(*zones)))
        else:
            closed[advisor_id][day].append((s, e))
    time_off = defaultdict(list)
    for advisor_id, s, e in TimeOff.objects.filter(
        advisor_id__in=ids, ends_at__gt=window_from, starts_at__lt=window_to
    ).values_list("advisor_id", "starts_at", "ends_at"):
        time_off[advisor_id].append((s, e))
    booked = booked_times(ids, window_from=window_from, window_to=window_to, keep_claim=keep_claim)
    return {
        a.pk: AdvisorCalendar(
            advisor_id=a.pk,
            weekly=weekly[a.pk],
            opened=opened[a.pk],
            closed=closed[a.pk],
            time_off=time_off[a.pk],
            appointments=booked[a.pk],
            busy=booked.busy[a.pk],
            buffer_before=timedelta(minutes=a.buffer_before_minutes),
            buffer_after=timedelta(minutes=a.buffer_after_minutes),
            max_per_day=a.max_appointments_per_day,
        )
        for a in advisors
    }


def calendar_window(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants whose rows may touch the days [start, end) (a day either side: zones)."""
    tz = local_zone()
    return (
        datetime.combine(start - timedelta(days=1), datetime.min.time(), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz),
    )


class Booked(defaultdict):
    """Adviser → their active appointments and the claims that count as ones (waitlist holds), as
    (start, end); `busy`: adviser → the other claimed times (busy times from their own calendar),
    which block hours but are no appointment of the day."""

    def __init__(self):
        super().__init__(list)
        self.busy: defaultdict[int, list[tuple[datetime, datetime]]] = defaultdict(list)

    def add(self, advisor_id: int, start: datetime, end: datetime, counts: bool) -> None:
        (self if counts else self.busy)[advisor_id].append((start, end))


# booked_times' rows are (advisor, start, end, counts): the generation in front has four columns.
GENERATION_ROW_4_SQL = generation_row_sql(4)


def booked_times(
    ids: list[int],
    *,
    window_from: datetime,
    window_to: datetime,
    keep_claim: str | None = None,
    trust: Trust | None = None,
) -> Booked:
    """Active appointments and claims (waitlist holds, busy times…) of these advisers in the
    window: 1 query.

    Always read from the database: this is what changes with every booking. With `trust` (a
    search on a catalogue copy), the same query reads the catalogue generation on PostgreSQL (one
    snapshot: the rows and the generation they go with), and `trust.confirm`s it."""
    booked = Booked()
    window = {
        "advisor_id__in": ids,
        "starts_at__lt": window_to,
        "starts_at__gte": window_from - timedelta(hours=12),
    }
    appointments = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES, **window)
    # One query for all: UNION ALL keeps an appointment and a claim of the same time apart.
    rows = (
        appointments.order_by()
        .annotate(claim_counts=Value(True, output_field=BooleanField()))
        .values_list("advisor_id", "starts_at", "ends_at", "claim_counts")
        .union(*claims.claimed(now=timezone.now(), keep=keep_claim, **window), all=True)
    )
    if trust is not None and trust.generation is not None and connection.vendor == "postgresql":
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            # The generation row first (starts_at NULL); PostgreSQL types its NULLs from the rows below.
            cursor.execute(f"({GENERATION_ROW_4_SQL}) UNION ALL {sql}", params)
            rows = cursor.fetchall()
        generation = None
        for advisor_id, s, e, counts in rows:
            if s is None:
                generation = advisor_id
            else:
                booked.add(advisor_id, s, e, counts)
        trust.confirm(generation)
        return booked
    for advisor_id, s, e, counts in rows:
        booked.add(advisor_id, s, e, counts)
    if trust is not None and trust.generation is not None:
        trust.confirm(current_generation())
    return booked


def kept_candidates(
    kept: Catalogue, *, topic_id: int, language: str | None, advisor_id: int | None, today: date
) -> list[Candidate]:
    """`qualified_candidates`, answered from the catalogue in memory (no query)."""

    def build() -> list[Candidate]:
        candidates: dict[int, Candidate] = {}
        for a_id, radius, point_id, lat, lon in kept.links:
            if advisor_id is not None and a_id != advisor_id:
                continue
            if topic_id not in kept.topics.get(a_id, ()):
                continue
            if language and language not in kept.languages.get(a_id, ()):
                continue
            candidate = candidates.get(a_id) or candidates.setdefault(a_id, Candidate(a_id, radius))
            candidate.points[point_id] = (lat, lon)
            key = (a_id, point_id)
            if key in kept.weekly_points or kept.last_opening.get(key, date.min) >= today:
                candidate.staffed.add(point_id)
        return list(candidates.values())

    return kept.memo(("candidates", topic_id, language, advisor_id, today), build)


def kept_calendars(
    kept: Catalogue, trust: Trust, ids: list[int], *, start: date, end: date
) -> dict[int, AdvisorCalendar]:
    """`load_calendars`, with everything but the appointments and claims from memory: 1 query,
    which also confirms the catalogue copy (`trust`) or raises CatalogueChanged."""
    window_from, window_to = calendar_window(start, end)
    booked = booked_times(ids, window_from=window_from, window_to=window_to, trust=trust)
    calendars = {}
    for advisor_id in ids:
        advisor = kept.advisors[advisor_id]
        opened = defaultdict(list)
        closed = defaultdict(list)
        for day, kind, s, e, point_id, zone in kept.exceptions_between(advisor_id, start, end):
            if kind == AvailabilityException.Kind.OPEN:
                opened[day].append(Block(s, e, point_id, zone))
            else:
                closed[day].append((s, e))
        calendars[advisor_id] = AdvisorCalendar(
            advisor_id=advisor_id,
            weekly=kept.weekly.get(advisor_id, {}),
            opened=opened,
            closed=closed,
            time_off=[
                (s, e) for s, e in kept.time_off.get(advisor_id, ()) if e > window_from and s < window_to
            ],
            appointments=booked[advisor_id],
            busy=booked.busy[advisor_id],
            buffer_before=timedelta(minutes=advisor.buffer_before_minutes),
            buffer_after=timedelta(minutes=advisor.buffer_after_minutes),
            max_per_day=advisor.max_appointments_per_day,
        )
    return calendars


def booking_window(topic: Topic, now: datetime) -> tuple[datetime, datetime]:
    """(earliest start allowed by the minimum notice, latest start allowed by the horizon)."""
    return add_business_days(now, topic.min_notice_business_days), now + timedelta(days=topic.horizon_days)


@metrics.timed_slot_search
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
    `preferred`, when they are within reach (`prefer_advisor`).

    Answered from the catalogue kept in memory (appointments.catalogue) and one fresh query per
    batch of calendars, which also confirms the copy is current; if it is not, the search starts
    again from a fresh copy."""
    search = {
        "topic": topic,
        "mode": mode,
        "location": location,
        "language": language,
        "from_date": from_date,
        "now": now or timezone.now(),
        "groups": groups,
        "days_per_group": days_per_group,
        "only_advisor": only_advisor,
        "prefer_advisor_id": prefer_advisor_id,
        "skip_empty": skip_empty,
    }
    kept = kept_catalogue()
    if kept is not None:
        try:
            found = _search(kept[1], Trust(kept[0]), **search)
        except CatalogueChanged:
            pass  # another process (or this one) changed the catalogue: read it again
        else:
            found.generation = kept[0]
            return found
    generation, fresh = read_generation_and_catalogue()
    found = _search(fresh, Trust(None), **search)
    found.generation = generation
    return found


def _search(
    kept: Catalogue,
    trust: Trust,
    *,
    topic: Topic,
    mode: str,
    location: Municipality,
    language: str | None,
    from_date: date | None,
    now: datetime,
    groups: int,
    days_per_group: int | None,
    only_advisor: Advisor | None,
    prefer_advisor_id: int | None,
    skip_empty: bool,
) -> SlotSearch:
    tz = local_zone()
    earliest, latest = booking_window(topic, now)
    horizon_end = latest.astimezone(tz).date() + timedelta(days=1)
    earliest_day = earliest.astimezone(tz).date()
    requested = max(from_date or earliest_day, earliest_day)
    today = timezone.localdate()
    advisor_id = only_advisor.pk if only_advisor else None

    def rank() -> list[tuple]:
        candidates = kept_candidates(
            kept, topic_id=topic.pk, language=language, advisor_id=advisor_id, today=today
        )
        serving = covering(kept.territories, location)
        return [
            (o.advisor_id, o.service_point_id, o.distance_km, o.allowed_points, o.in_territory)
            for o in ranked_options(
                candidates,
                mode=mode,
                latitude=location.latitude,
                longitude=location.longitude,
                serving=serving,
            )
        ]

    # The ranking of a place's options is kept with the catalogue (a few hundred places are
    # searched from): at 550 advisers it is most of a search's Python time.
    key = (
        "ranked",
        topic.pk,
        language,
        advisor_id,
        today,
        mode,
        location.pk,
        location.latitude,
        location.longitude,
    )
    ranked = [Option(*row[:4], in_territory=row[4]) for row in kept.memo_recent(key, rank)]

    def collect(start: date, end: date, per_group: int | None) -> list[SlotGroup]:
        return _collect_groups(
            kept,
            trust,
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

    # Sectorisation: the options outside the employer's territory only if none inside has a time.
    for options in territory_pools(ranked):
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
    if trust.generation is not None and not trust.confirmed:  # nobody to ask: still, is it current?
        trust.confirm(current_generation())
    return SlotSearch(
        found, start, end, horizon_end, next_from, earliest_day=earliest_day, requested=requested
    )


def _collect_groups(
    kept: Catalogue,
    trust: Trust,
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
    batch of the nearest options at a time (1 query: the rest is in memory); further batches only
    if too few had one."""
    tz = local_zone()
    found: list[SlotGroup] = []
    batch = groups + 2
    for offset in range(0, len(options), batch):
        chunk = options[offset : offset + batch]
        for option in chunk:
            option.advisor = kept.advisors[option.advisor_id]
            option.service_point = kept.points.get(option.service_point_id)
        ids = list(dict.fromkeys(o.advisor_id for o in chunk))
        calendars = kept_calendars(kept, trust, ids, start=start, end=end)
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


def day_picker(search: SlotSearch, *, day: date | None = None) -> DayPicker:
    """The days of the search's window with their free times counted, and the times of `day`
    (else of the first day with any): pure Python over the search's one pass of calendars."""
    counts: dict[date, int] = defaultdict(int)
    for group in search.groups:
        for group_day, slots in group.days:
            counts[group_day] += len(slots)
    window = [
        search.window_start + timedelta(days=n) for n in range((search.window_end - search.window_start).days)
    ]
    weekends = any(counts.get(d) for d in window if d.weekday() >= 5)
    shown = [d for d in window if weekends or d.weekday() < 5]
    if day is None or not counts.get(day):
        day = next((d for d in shown if counts.get(d)), None)
    days = [
        PickerDay(
            d,
            counts.get(d, 0),
            chosen=d == day,
            new_month=n == 0 or d.month != shown[n - 1].month,
        )
        for n, d in enumerate(shown)
    ]
    # Back from where the employer asked to start: the days skipped in between had no free time.
    earliest = search.earliest_day or search.window_start
    base = search.skipped_from or search.window_start
    previous_start = None
    if base > earliest:
        previous_start = max(earliest, base - timedelta(days=SEARCH_WINDOW_DAYS))
    return DayPicker(
        search=search,
        days=days,
        columns=7 if weekends else 5,
        chosen=day,
        groups=[
            (group, slots) for group in search.groups for group_day, slots in group.days if group_day == day
        ],
        previous_start=previous_start,
        next_start=search.next_from,
    )


def upcoming_on_topic(company, topic: Topic, *, now: datetime | None = None) -> list[Appointment]:
    """The company's upcoming appointments of the topic, as its limit counts them
    (Topic.max_upcoming_per_company, appointments.services): 1 query."""
    return list(
        Appointment.objects.filter(
            company=company,
            topic=topic,
            status=Appointment.Status.CONFIRMED,
            starts_at__gt=now or timezone.now(),
        )
        .select_related("advisor__user", "service_point__municipality", "municipality")
        .order_by("starts_at")
    )


def find_free_slot(
    *,
    advisor: Advisor,
    topic: Topic,
    mode: str,
    location: Municipality,
    service_point_id: int | None,
    starts_at: datetime,
    now: datetime | None = None,
    keep_claim: str | None = None,
) -> Slot | None:
    """The offered slot starting at `starts_at` for this adviser, place and mode, or None.

    The booking service calls this inside its transaction, after locking the adviser, so the
    check and the insert see the same calendar.
    """
    now = now or timezone.now()
    earliest, latest = booking_window(topic, now)
    tz = local_zone()
    day = starts_at.astimezone(tz).date()
    # The same filter as the search: still active, still qualified, the point still served.
    candidates = qualified_candidates(topic=topic, advisor_id=advisor.pk)
    options = [
        o
        for o in ranked_options(
            candidates, mode=mode, latitude=location.latitude, longitude=location.longitude
        )
        if o.accepts(service_point_id)
    ]
    if not options:
        return None
    calendar = load_calendars([advisor], start=day, end=day + timedelta(days=1), keep_claim=keep_claim)[
        advisor.pk
    ]
    for slot in free_slots(
        calendar,
        duration=timedelta(minutes=topic.duration_minutes),
        earliest=earliest,
        latest=latest,
        days=[day],
        service_point_ok=options[0].accepts,
    ):
        if slot.start == starts_at and slot.service_point_id == service_point_id:
            return slot
    return None


def company_appointments(company) -> QuerySet[Appointment]:
    """A company's appointments with what the list and appointment pages show (the office to
    call, the number the adviser calls, the calendar links): 1 query."""
    return Appointment.objects.filter(company=company).select_related(
        "advisor__user",
        "advisor__home_service_point",
        "topic",
        "service_point__municipality",
        "municipality",
        "company",
        "booked_by__employer_profile",
    )


def upcoming_and_past(company, *, now: datetime | None = None) -> tuple[list[Appointment], list[Appointment]]:
    now = now or timezone.now()
    appointments = company_appointments(company)
    upcoming = list(appointments.filter(ends_at__gte=now).order_by("starts_at"))
    past = list(appointments.filter(ends_at__lt=now).order_by("-starts_at")[:50])
    return upcoming, past


def reassignment_candidates(*, directorate_ids, topic: Topic, exclude_advisor_id: int | None = None):
    """Active advisers of the directorates who know the topic, but the current one: 1 query.

    What a manager may hand a request or an appointment over to (consultations.routing,
    appointments.services); the forms list the same advisers.
    """
    advisors = Advisor.objects.filter(
        is_active=True,
        topics=topic,
        home_service_point__municipality__region__directorate__in=list(directorate_ids),
    ).select_related("user")
    if exclude_advisor_id is not None:
        advisors = advisors.exclude(pk=exclude_advisor_id)
    return advisors.order_by(*name_order("user"), "pk")


@dataclass(frozen=True)
class Contact:
    """Who to reach at the company about an appointment or a request: for its adviser and manager
    only (the pages that show it check access first)."""

    name: str
    email: str
    phone: str  # E.164 (core.phones), or an older free-text entry, or ""
    language: str  # a code of settings.LANGUAGES

    @property
    def phone_display(self) -> str:
        return phones.display(self.phone)

    @property
    def phone_uri(self) -> str:
        return phones.tel_uri(self.phone) if self.phone.startswith("+") else ""

    @property
    def language_name(self) -> str:
        return str(dict(settings.LANGUAGES).get(self.language, self.language))


def contact_of(person, *, phone: str = "") -> Contact | None:
    """The contact of the employer who booked or asked (`person`, with `employer_profile` loaded
    to save a query): the number given for this appointment or request, else their profile's.
    None when the person is gone (account deleted)."""
    if person is None:
        return None
    if not phone:
        profile = getattr(person, "employer_profile", None)
        phone = profile.phone if profile is not None else ""
    return Contact(
        name=person.get_full_name() or person.email,
        email=person.email,
        phone=phone,
        language=person.language,
    )


def location_text(appointment: Appointment) -> str:
    """Where the meeting is held, as one line: the point's or the company's address, else the mode."""
    point = appointment.service_point
    if appointment.mode == Mode.SERVICE_POINT and point:
        return (
            f"{point.host_office}, {point.street_address}, "
            f"{point.municipality.name} (Québec) {point.postal_code}"
        )
    if appointment.mode == Mode.PREMISES:
        company = appointment.company
        return f"{company.legal_name}, {company.street_address}, {appointment.municipality.name}"
    return str(appointment.get_mode_display())
