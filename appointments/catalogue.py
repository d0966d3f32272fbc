"""What the slot search knows before it reads the appointments: kept in process memory.

Who is qualified for what, where advisers work, their weekly hours, exceptions and time off,
the adviser and service point rows a results page shows: a few hundred rows that change a few
times a day, read by every search. `catalogue()` returns them from memory while the catalogue
generation (core/catalogue.py: database triggers on every table read here, so the admin,
services, the API, bulk updates and migrations all bump it, in the same transaction) is the one
they were read under. The search's one query, the appointments ∪ claims of the nearest
advisers (always fresh), also answers the generation, in the same snapshot: when it is not the
copy's, the search starts again from a fresh copy.

The answers are those of the database reads they replace (selectors.qualified_candidates,
hydrate, load_calendars): bench/slot_search.py compares both over the whole benchmark plan.
"""

from bisect import bisect_left
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from advisors.models import Advisor, AvailabilityException, TimeOff, WeeklyAvailability
from appointments.slots import Block
from core.catalogue import Snapshot
from service_points.models import ServicePoint
from service_points.territory import Territory, territories

# Where an availability row's hours are read (Block.zone): its service point's municipality, else
# (remote hours) the adviser's home point's. Joined into the rows' own query.
ZONES = ("service_point__municipality__time_zone", "advisor__home_service_point__municipality__time_zone")


def hours_zone(point_zone: str | None, home_zone: str | None) -> str:
    return point_zone or home_zone or ""


@dataclass
class Catalogue:
    """The catalogue as read under one generation. Read-only once built: shared by threads."""

    # (advisor_id, travel_radius_km, point_id, latitude, longitude) of active advisers at active
    # points, in the order of the adviser ↔ point table (as the database query returned them).
    links: list[tuple[int, int, int, float, float]]
    topics: dict[int, frozenset[int]]  # advisor → topic ids
    languages: dict[int, frozenset[str]]  # advisor → language codes
    weekly: dict[int, dict[int, list[Block]]]  # advisor → weekday → blocks
    weekly_points: set[tuple[int, int]]  # (advisor, point) with a weekly block
    last_opening: dict[tuple[int, int], date]  # (advisor, point) → last date it is opened there
    exception_days: dict[int, list[date]]  # advisor → dates of its exceptions, sorted
    exceptions: dict[int, list[tuple[date, str, object, object, int | None, str]]]  # same order, + zone
    time_off: dict[int, list[tuple[datetime, datetime]]]  # advisor → periods, by start
    advisors: dict[int, Advisor]  # active advisers, with user and languages
    points: dict[int, ServicePoint]  # active points, with municipality
    territories: dict[int, Territory]  # point → the regions and MRCs it serves (sectorisation)
    _memo: dict = field(default_factory=dict)

    def memo(self, key, build):
        """A value derived from this catalogue (e.g. a topic's candidates), computed once."""
        try:
            return self._memo[key]
        except KeyError:
            return self._memo.setdefault(key, build())

    def memo_recent(self, key, build, keep: int = 512):
        """As `memo`, keeping only the `keep` most recently used values (keys without end)."""
        recent = self._memo.setdefault("recent", OrderedDict())
        try:
            recent.move_to_end(key)
            return recent[key]
        except KeyError:
            value = recent[key] = build()
            while len(recent) > keep:
                recent.popitem(last=False)
            return value

    def exceptions_between(self, advisor_id: int, start: date, end: date):
        days = self.exception_days.get(advisor_id)
        if not days:
            return ()
        return self.exceptions[advisor_id][bisect_left(days, start) : bisect_left(days, end)]


def read_catalogue() -> Catalogue:
    """Every row the search keeps in memory: 11 queries, a few hundred rows at 55 advisers."""
    links = list(
        Advisor.service_points.through.objects.filter(advisor__is_active=True, servicepoint__is_active=True)
        .order_by("pk")
        .values_list(
            "advisor_id",
            "advisor__travel_radius_km",
            "servicepoint_id",
            "servicepoint__latitude",
            "servicepoint__longitude",
        )
    )
    topics = defaultdict(set)
    for advisor_id, topic_id in Advisor.topics.through.objects.values_list("advisor_id", "topic_id"):
        topics[advisor_id].add(topic_id)
    advisors = {
        a.pk: a
        for a in Advisor.objects.filter(is_active=True).select_related("user").prefetch_related("languages")
    }
    languages = {pk: frozenset(lang.code for lang in a.languages.all()) for pk, a in advisors.items()}

    weekly = defaultdict(lambda: defaultdict(list))
    weekly_points = set()
    for advisor_id, weekday, s, e, point_id, *zones in WeeklyAvailability.objects.order_by("pk").values_list(
        "advisor_id", "weekday", "start_time", "end_time", "service_point_id", *ZONES
    ):
        weekly[advisor_id][weekday].append(Block(s, e, point_id, hours_zone(*zones)))
        if point_id is not None:
            weekly_points.add((advisor_id, point_id))

    exceptions = defaultdict(list)
    last_opening: dict[tuple[int, int], date] = {}
    for advisor_id, day, kind, s, e, point_id, *zones in AvailabilityException.objects.order_by(
        "date", "pk"
    ).values_list("advisor_id", "date", "kind", "start_time", "end_time", "service_point_id", *ZONES):
        exceptions[advisor_id].append((day, kind, s, e, point_id, hours_zone(*zones)))
        if kind == AvailabilityException.Kind.OPEN and point_id is not None:
            key = (advisor_id, point_id)
            last_opening[key] = max(day, last_opening.get(key, day))

    time_off = defaultdict(list)
    for advisor_id, s, e in TimeOff.objects.order_by("starts_at", "pk").values_list(
        "advisor_id", "starts_at", "ends_at"
    ):
        time_off[advisor_id].append((s, e))

    points = ServicePoint.objects.filter(is_active=True).select_related("municipality").in_bulk()
    return Catalogue(
        links=links,
        topics={pk: frozenset(ids) for pk, ids in topics.items()},
        languages=languages,
        weekly={pk: dict(days) for pk, days in weekly.items()},
        weekly_points=weekly_points,
        last_opening=last_opening,
        exception_days={pk: [row[0] for row in rows] for pk, rows in exceptions.items()},
        exceptions=dict(exceptions),
        time_off=dict(time_off),
        advisors=advisors,
        points=points,
        territories=territories(),
    )


_snapshot = Snapshot(read_catalogue)


def catalogue() -> Catalogue:
    """The catalogue as committed now (1 query while nothing changed)."""
    return _snapshot.get()


def read_generation_and_catalogue() -> tuple[int | None, Catalogue]:
    """`catalogue()` with the generation it was read under (None: no generation row)."""
    return _snapshot.read()


def kept_catalogue() -> tuple[int, Catalogue] | None:
    """This process's copy and its generation, unchecked (no query): the search checks it with
    its appointments query (selectors.booked_times), and starts again on a change."""
    return _snapshot.kept()


def kept_generation() -> int | None:
    """The generation of this process's copy (no query; None before the first search)."""
    kept = _snapshot.kept()
    return kept[0] if kept else None


def forget() -> None:
    """Drop this process's copy (tests; a copy is never trusted past a change anyway)."""
    _snapshot.clear()
