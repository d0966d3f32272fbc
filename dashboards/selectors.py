"""The regional manager's dashboard: filters, the filtered rows, and every figure.

Scope: a directorate's dashboard covers the appointments of its advisers (by the adviser's home
service point) and the requests located in its regions or held by its advisers. The filters
narrow that: the period (appointments by start time, requests by the time they were sent), the
employer's region, the service point, the adviser, the topic and the mode. Every figure is an
aggregate computed by the database; the number of queries does not depend on the number of rows
(see `figures`).
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.access import Role, directorates_visible_to, role_of
from advisors.models import Advisor, AvailabilityException, TimeOff, WeeklyAvailability
from appointments.models import Appointment, Mode, Topic
from consultations.models import ConsultationRequest
from core import dates
from core.business_hours import is_holiday
from core.collation import name_order, person_sort_key
from midi_regions.models import AdministrativeRegion, RegionalDirectorate
from service_points.forms import municipality_names
from service_points.models import ServicePoint

DEFAULT_WEEKS = 4
MAX_DAYS = 366


@dataclass(frozen=True)
class Filters:
    """What the dashboard looks at. `directorates` is the scope the user may see (ids)."""

    directorates: tuple[int, ...]
    start: date  # first day, local
    end: date  # last day, local, inclusive
    region: AdministrativeRegion | None = None
    service_point: ServicePoint | None = None
    advisor: Advisor | None = None
    topic: Topic | None = None
    mode: str = ""
    # The scope as id lists when the page has them (its Catalogue): filters without joins.
    region_ids: tuple[int, ...] | None = None
    advisor_ids: tuple[int, ...] | None = None
    municipality_ids: tuple[int, ...] | None = None

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(
            self.end + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
        )

    def query(self) -> dict:
        """The filters as URL parameters (for links that keep them, like the CSV export)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name in ("region", "service_point", "advisor", "topic"):
            value = getattr(self, name)
            if value is not None:
                params[name] = value.pk
        if self.mode:
            params["mode"] = self.mode
        return params


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(weeks=DEFAULT_WEEKS), today + timedelta(weeks=DEFAULT_WEEKS)


@dataclass
class Catalogue:
    """The rows the filters offer (and the figures name), loaded once per page: 4 queries."""

    regions: list
    service_points: list
    advisors: list
    topics: list

    @property
    def directorates(self) -> list[RegionalDirectorate]:
        return sorted({r.directorate_id: r.directorate for r in self.regions}.values(), key=lambda d: d.name)

    @property
    def scope(self) -> tuple[int, ...]:
        return tuple(d.pk for d in self.directorates)

    @classmethod
    def for_user(cls, user, code: str | None) -> "Catalogue | None":
        """The catalogue of the directorates a dashboard URL shows to this user, or None (404).
        The access check rides on the regions query: 4 queries in all."""
        regions = AdministrativeRegion.objects.filter(directorate__in=directorates_visible_to(user))
        if code is None and role_of(user) != Role.ADMINISTRATOR:
            return None
        if code is not None:
            regions = regions.filter(directorate__code=code)
        regions = list(regions.select_related("directorate").order_by("code"))
        if not regions:
            return None
        directorates = tuple({r.directorate_id for r in regions})
        return cls(
            regions=regions,
            service_points=list(
                ServicePoint.objects.filter(municipality__region__directorate__in=directorates)
                .select_related("municipality")
                .order_by("municipality__name", "host_office")
            ),
            advisors=list(advisors_in_scope(directorates)),
            topics=list(Topic.objects.order_by("position", "pk")),
        )


class FilterForm(forms.Form):
    """The dashboard's filters, with choices limited to the directorates in scope. Choices come
    from a preloaded `Catalogue`, so validating a filter costs no query."""

    start = dates.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = dates.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    region = forms.TypedChoiceField(
        label=_("Employer's region"), coerce=int, required=False, empty_value=None
    )
    service_point = forms.TypedChoiceField(
        label=_("Service point"), coerce=int, required=False, empty_value=None
    )
    advisor = forms.TypedChoiceField(label=_("Adviser"), coerce=int, required=False, empty_value=None)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, required=False, empty_value=None)
    mode = forms.ChoiceField(label=_("Mode"), choices=[("", _("All modes")), *Mode.choices], required=False)

    def __init__(self, data, *, catalogue: Catalogue):
        start, end = default_period()
        data = {"start": start.isoformat(), "end": end.isoformat(), **{k: v for k, v in data.items() if v}}
        super().__init__(data)
        self.catalogue = catalogue
        every = [("", _("All"))]
        self.fields["region"].choices = every + [
            (r.pk, f"{r.code} – {r.name}") for r in self.catalogue.regions
        ]
        self.fields["service_point"].choices = every + [
            (p.pk, f"{p.municipality.name} – {p.host_office}") for p in self.catalogue.service_points
        ]
        self.fields["advisor"].choices = every + [(a.pk, str(a)) for a in self.catalogue.advisors]
        self.fields["topic"].choices = every + [(t.pk, t.name) for t in self.catalogue.topics]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end of the period comes before its start."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of one year at most."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data

        def pick(rows, pk):
            return next((row for row in rows if row.pk == pk), None) if pk else None

        return Filters(
            directorates=self.catalogue.scope,
            start=data["start"],
            end=data["end"],
            region=pick(self.catalogue.regions, data.get("region")),
            service_point=pick(self.catalogue.service_points, data.get("service_point")),
            advisor=pick(self.catalogue.advisors, data.get("advisor")),
            topic=pick(self.catalogue.topics, data.get("topic")),
            mode=data.get("mode") or "",
            region_ids=tuple(r.pk for r in self.catalogue.regions),
            advisor_ids=tuple(a.pk for a in self.catalogue.advisors),
            municipality_ids=self._municipality_ids(),
        )

    def _municipality_ids(self) -> tuple[int, ...]:
        regions = {r.pk for r in self.catalogue.regions}
        return tuple(pk for pk, row in municipality_names().items() if row[4] in regions)


def advisors_in_scope(directorates) -> QuerySet[Advisor]:
    return (
        Advisor.objects.filter(home_service_point__municipality__region__directorate__in=directorates)
        .select_related("user", "home_service_point__municipality__region")
        .order_by(*name_order("user"))
    )


def filtered_appointments(filters: Filters) -> QuerySet[Appointment]:
    """The appointments in scope that start in the period and match every filter."""
    qs = Appointment.objects.filter(
        _appointment_scope(filters), starts_at__gte=filters.starts_at, starts_at__lt=filters.ends_at
    )
    return _narrow_appointments(qs, filters)


def _appointment_scope(filters: Filters) -> Q:
    if filters.advisor_ids is not None:
        return Q(advisor_id__in=filters.advisor_ids)
    return Q(advisor__home_service_point__municipality__region__directorate__in=filters.directorates)


def _narrow_appointments(qs, filters: Filters):
    if filters.region is not None:
        qs = qs.filter(company__municipality__region=filters.region)
    if filters.service_point is not None:
        qs = qs.filter(service_point=filters.service_point)
    if filters.advisor is not None:
        qs = qs.filter(advisor=filters.advisor)
    if filters.topic is not None:
        qs = qs.filter(topic=filters.topic)
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    return qs


def scoped_requests(filters: Filters) -> QuerySet[ConsultationRequest]:
    """The requests in scope matching every filter but the period."""
    if filters.municipality_ids is not None and filters.advisor_ids is not None:
        # Id lists the page holds: no join to municipalities, regions or advisers.
        scope = Q(municipality_id__in=filters.municipality_ids) | Q(
            assigned_advisor_id__in=filters.advisor_ids
        )
    else:
        scope = Q(municipality__region__directorate__in=filters.directorates) | Q(
            assigned_advisor__home_service_point__municipality__region__directorate__in=filters.directorates
        )
    qs = ConsultationRequest.objects.filter(scope)
    if filters.region is not None:
        qs = qs.filter(municipality__region=filters.region)
    if filters.service_point is not None:
        qs = qs.filter(
            Q(appointment__service_point=filters.service_point)
            | Q(assigned_advisor__home_service_point=filters.service_point)
        )
    if filters.advisor is not None:
        qs = qs.filter(assigned_advisor=filters.advisor)
    if filters.topic is not None:
        qs = qs.filter(topic=filters.topic)
    if filters.mode:
        qs = qs.filter(mode=filters.mode)
    return qs


def filtered_requests(filters: Filters) -> QuerySet[ConsultationRequest]:
    """The requests in scope sent during the period and matching every filter."""
    return scoped_requests(filters).filter(created_at__gte=filters.starts_at, created_at__lt=filters.ends_at)


# --- Figures ---------------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5); other databases compute the median in Python (`_medians`)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    name = "Median"

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=DurationField(), **extra)


def _medians(qs: QuerySet, expression, group: str | None = None) -> dict:
    """{group value: median duration} (key None without a group), one query on any database."""
    if connection.vendor == "postgresql":
        if group is None:
            return {None: qs.aggregate(m=Median(expression))["m"]}
        return {row[group]: row["m"] for row in qs.values(group).annotate(m=Median(expression)).order_by()}
    values: dict = defaultdict(list)
    for key, duration in qs.annotate(
        _d=ExpressionWrapper(expression, output_field=DurationField())
    ).values_list(group or "pk", "_d"):
        values[key if group else None].append(duration)
    return {key: statistics.median(durations) for key, durations in values.items()}


@dataclass
class AdvisorRow:
    advisor: Advisor
    booked_hours: float = 0.0
    available_hours: float = 0.0
    upcoming: int = 0
    open_requests: int = 0
    overdue_requests: int = 0
    busiest: bool = False
    idlest: bool = False
    counts: dict = field(default_factory=dict)

    @property
    def utilisation(self) -> float | None:
        return self.booked_hours / self.available_hours if self.available_hours else None

    @property
    def load(self) -> int:
        return self.upcoming + self.open_requests


def _weeks(filters: Filters) -> list[date]:
    first = filters.start - timedelta(days=filters.start.weekday())
    return [first + timedelta(weeks=n) for n in range((filters.end - first).days // 7 + 1)]


def _available_hours(advisors, filters: Filters) -> dict[int, float]:
    """Hours each adviser offers in the period: weekly blocks on each date, minus Québec holidays,
    plus and minus date exceptions, minus time off. Three queries whatever the period."""
    ids = [a.pk for a in advisors]
    blocks = defaultdict(list)
    for advisor_id, weekday, start, end in WeeklyAvailability.objects.filter(advisor_id__in=ids).values_list(
        "advisor_id", "weekday", "start_time", "end_time"
    ):
        blocks[advisor_id].append((weekday, _hours(start, end)))
    changes = defaultdict(float)
    for advisor_id, kind, start, end in AvailabilityException.objects.filter(
        advisor_id__in=ids, date__gte=filters.start, date__lte=filters.end
    ).values_list("advisor_id", "kind", "start_time", "end_time"):
        changes[advisor_id] += _hours(start, end) * (1 if kind == AvailabilityException.Kind.OPEN else -1)
    for advisor_id, starts_at, ends_at in TimeOff.objects.filter(
        advisor_id__in=ids, starts_at__lt=filters.ends_at, ends_at__gt=filters.starts_at
    ).values_list("advisor_id", "starts_at", "ends_at"):
        # Time off counts for its working hours only: a third of its clock time, at most.
        overlap = min(ends_at, filters.ends_at) - max(starts_at, filters.starts_at)
        changes[advisor_id] -= overlap.total_seconds() / 3600 / 3
    weekdays = Counter(
        day.weekday()
        for n in range((filters.end - filters.start).days + 1)
        if not is_holiday(day := filters.start + timedelta(days=n))
    )
    return {
        advisor_id: max(0.0, sum(weekdays[w] * h for w, h in blocks[advisor_id]) + changes[advisor_id])
        for advisor_id in ids
    }


def _hours(start: time, end: time) -> float:
    return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60


def figures(filters: Filters, *, catalogue: Catalogue, now: datetime | None = None) -> dict:
    """Every figure of the dashboard for these filters.

    Queries: appointments by week/status/topic/mode (1), per adviser (1), employers served (1),
    booking lead time per point (1); requests by week/status/topic/mode (1), open and overdue
    per adviser (1), request → appointment median (1); the advisers' availability (3): 10.
    `catalogue` holds the advisers, topics and service points the page already loaded for its
    filters, so they are not read twice.
    """
    now = now or timezone.now()
    appointments = filtered_appointments(filters)
    booked = _tally(appointments, "starts_at")
    advisors = [filters.advisor] if filters.advisor else catalogue.advisors
    rows = _advisor_rows(filters, advisors, now=now)
    gazetteer = municipality_names()
    served = _employers_served(appointments, gazetteer)
    lead_times = _medians(
        appointments.filter(service_point__isnull=False), F("starts_at") - F("created_at"), "service_point_id"
    )
    requests = filtered_requests(filters)
    asked = _tally(requests, "created_at")
    waiting = _open_requests(filters, rows, gazetteer, now=now)
    to_appointment = _medians(
        requests.filter(appointment__isnull=False), F("appointment__starts_at") - F("created_at")
    ).get(None)
    for advisor_id, hours in _available_hours(advisors, filters).items():
        rows[advisor_id].available_hours = hours
    points = {p.pk: p for p in catalogue.service_points}
    return {
        "appointments": {
            "total": sum(booked.status.values()),
            "held": booked.status[Appointment.Status.COMPLETED],
            "cancelled": booked.status[Appointment.Status.CANCELLED],
            "no_show": booked.status[Appointment.Status.NO_SHOW],
            "upcoming": booked.status[Appointment.Status.CONFIRMED],
        },
        "requests": {
            "sent": sum(asked.status.values()),
            "booked": asked.status[ConsultationRequest.Status.BOOKED],
            "open": waiting.open,
            "overdue": waiting.overdue,
            "median_to_appointment": to_appointment,
        },
        "lead_times": sorted(
            ((points.get(pk), median) for pk, median in lead_times.items() if median is not None),
            key=lambda item: item[1],
        ),
        "advisors": _ranked(rows.values()),
        "topics": _topic_counts(catalogue, booked, asked),
        "modes": [
            (label, booked.mode[value], asked.mode[value])
            for value, label in Mode.choices
            if booked.mode[value] or asked.mode[value]
        ],
        "by_directorate": _side_by_side(catalogue, rows.values(), waiting.by_region),
        "served": served,
        "served_total": sum(row["companies"] for row in served),
        "weeks": [
            {
                "week": w,
                "booked": sum(booked.series[w].values()),
                "held": booked.series[w][Appointment.Status.COMPLETED],
                "cancelled": booked.series[w][Appointment.Status.CANCELLED],
                "no_show": booked.series[w][Appointment.Status.NO_SHOW],
                "requests": sum(asked.series[w].values()),
            }
            for w in _weeks(filters)
        ],
    }


@dataclass
class Tally:
    """Rows counted by status, topic and mode, and by week and status (one query)."""

    status: Counter = field(default_factory=Counter)
    topic: Counter = field(default_factory=Counter)
    mode: Counter = field(default_factory=Counter)
    series: defaultdict = field(default_factory=lambda: defaultdict(Counter))


def _tally(qs: QuerySet, dated_by: str) -> Tally:
    """Appointments (by start) or requests (by sending) by week, status, topic and mode."""
    week = TruncWeek(dated_by, tzinfo=timezone.get_current_timezone())
    tally = Tally()
    for row in qs.values("status", "topic_id", "mode").annotate(week=week, n=Count("pk")).order_by():
        tally.status[row["status"]] += row["n"]
        tally.topic[row["topic_id"]] += row["n"]
        tally.mode[row["mode"]] += row["n"]
        tally.series[_as_date(row["week"])][row["status"]] += row["n"]
    return tally


def _advisor_rows(filters: Filters, advisors, *, now: datetime) -> dict[int, AdvisorRow]:
    """Per adviser: hours booked in the period, upcoming appointments from now on (one query)."""
    rows = {a.pk: AdvisorRow(a) for a in advisors}
    in_period = Q(starts_at__gte=filters.starts_at, starts_at__lt=filters.ends_at)
    per_advisor = _narrow_appointments(Appointment.objects.filter(advisor_id__in=list(rows)), filters).filter(
        in_period | Q(starts_at__gte=now, status=Appointment.Status.CONFIRMED)
    )
    for row in (
        per_advisor.values("advisor_id")
        .annotate(
            booked=Sum(
                F("ends_at") - F("starts_at"),
                filter=in_period & Q(status__in=Appointment.ACTIVE_STATUSES),
                output_field=DurationField(),
            ),
            upcoming=Count("pk", filter=Q(starts_at__gte=now, status=Appointment.Status.CONFIRMED)),
            # What the national page shows per directorate, summed over its advisers.
            total=Count("pk", filter=in_period),
            held=Count("pk", filter=in_period & Q(status=Appointment.Status.COMPLETED)),
            cancelled=Count("pk", filter=in_period & Q(status=Appointment.Status.CANCELLED)),
            no_show=Count("pk", filter=in_period & Q(status=Appointment.Status.NO_SHOW)),
        )
        .order_by()
    ):
        target = rows[row["advisor_id"]]
        target.booked_hours = (row["booked"] or timedelta()).total_seconds() / 3600
        target.upcoming = row["upcoming"]
        target.counts = {key: row[key] for key in SIDE_BY_SIDE_COUNTS}
    return rows


def _employers_served(appointments: QuerySet, gazetteer: dict) -> list[dict]:
    """Employers served, by the municipality the company booked from (the appointment's own
    column: no join to the companies), named from the cached gazetteer (one query)."""
    english = (get_language() or "").startswith("en")
    served = []
    for row in (
        appointments.filter(status__in=Appointment.ACTIVE_STATUSES)
        .values("municipality_id")
        .annotate(companies=Count("company_id", distinct=True))
        .order_by()
    ):
        name, code, region_fr, region_en, _region = gazetteer.get(
            row["municipality_id"], ("—", "", "—", "—", None)
        )
        served.append(
            {"municipality": name, "region_code": code, "region": region_en if english else region_fr, **row}
        )
    served.sort(key=lambda row: (row["region_code"], row["municipality"]))
    return served


@dataclass
class OpenRequests:
    open: int = 0
    overdue: int = 0
    by_region: defaultdict = field(default_factory=lambda: defaultdict(Counter))


def _open_requests(filters: Filters, rows: dict[int, AdvisorRow], gazetteer: dict, *, now) -> OpenRequests:
    """Open and overdue requests now, in all, per region and on each adviser's row, whenever
    they were sent (one query)."""
    waiting = OpenRequests()
    for row in (
        scoped_requests(filters)
        .filter(status__in=ConsultationRequest.OPEN_STATUSES)
        .values("assigned_advisor_id", "municipality_id")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(status=ConsultationRequest.Status.ASSIGNED, due_at__lt=now)),
        )
        .order_by()
    ):
        waiting.open += row["open"]
        waiting.overdue += row["overdue"]
        region_id = gazetteer.get(row["municipality_id"], (None,) * 5)[4]
        waiting.by_region[region_id].update(open=row["open"], overdue=row["overdue"])
        if row["assigned_advisor_id"] in rows:
            rows[row["assigned_advisor_id"]].open_requests += row["open"]
            rows[row["assigned_advisor_id"]].overdue_requests += row["overdue"]
    return waiting


def _ranked(rows) -> list[AdvisorRow]:
    """The advisers by load, busiest first, the busiest and idlest active ones marked."""
    table = sorted(rows, key=lambda r: (-r.load, person_sort_key(r.advisor.user)))
    active = [r for r in table if r.advisor.is_active]
    if len(active) > 1 and active[0].load != active[-1].load:
        busiest, idlest = active[0].load, active[-1].load
        for r in active:
            r.busiest, r.idlest = r.load == busiest, r.load == idlest
    return table


def _topic_counts(catalogue: Catalogue, booked: Tally, asked: Tally) -> list[tuple]:
    """(topic, appointments, requests), the most asked-about first."""
    topics = {t.pk: t for t in catalogue.topics}
    return [
        (topics.get(pk), booked.topic[pk], asked.topic[pk])
        for pk in sorted(
            set(booked.topic) | set(asked.topic), key=lambda pk: -(booked.topic[pk] + asked.topic[pk])
        )
    ]


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


SIDE_BY_SIDE_COUNTS = ("total", "held", "cancelled", "no_show")


def _side_by_side(catalogue: Catalogue, advisor_rows, open_by_region) -> list[dict]:
    """The directorates side by side (national page), from rows the figures already read:
    appointments by the adviser's directorate, requests by the region of their municipality."""
    out = {
        d.pk: {"directorate": d, **dict.fromkeys(SIDE_BY_SIDE_COUNTS, 0), "open": 0, "overdue": 0}
        for d in catalogue.directorates
    }
    for row in advisor_rows:
        target = out.get(row.advisor.home_service_point.municipality.region.directorate_id)
        if target is not None:
            for key, n in row.counts.items():
                target[key] += n
    region_directorate = {r.pk: r.directorate_id for r in catalogue.regions}
    for region_id, counts in open_by_region.items():
        target = out.get(region_directorate.get(region_id))
        if target is not None:
            target["open"] += counts["open"]
            target["overdue"] += counts["overdue"]
    return list(out.values())
