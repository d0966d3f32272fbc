"""The adviser's calendar as FullCalendar events: appointments, availability, time off, holidays.

`calendar_events` is the one read behind the calendar page's JSON feed. It loads a window with
one query per kind of row (appointments, weekly hours, date exceptions, time off: 4 queries,
whatever the number of appointments) and expands the weekly hours into dated blocks with the
slot engine's own rules (`AdvisorCalendar.blocks_on`), so the calendar shows the hours the
booking form offers. Times are stored in UTC; every event leaves here as ISO 8601 with the
America/Toronto offset of its own date, so a DST week shows 9:00 as 9:00 on both sides of the
change.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from uuid import UUID

import holidays as holidays_lib
from django.db.models import F, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from advisors.models import Advisor, AvailabilityException, TimeOff, WeeklyAvailability
from appointments.checklist import missing_count
from appointments.models import Appointment, Mode
from appointments.slots import AdvisorCalendar, Block, zone_of
from core import phones
from core.business_hours import local_zone
from core.dates import within_window
from core.i18n import is_english

MAX_RANGE_DAYS = 62  # two months and a bit: the widest view the page offers is a week
# No appointment is this long (a topic lasts at most 240 minutes): the index scan's lower bound.
LONGEST_APPOINTMENT = timedelta(hours=24)
# Service point colours cycle through this many classes (static/css/calendar.css, .cal-point-N).
POINT_PALETTE = 4


class InvalidWindow(ValueError):
    """A start/end pair the feed refuses; the message says why (shown in the 400 answer)."""


def parse_moment(value: str | None, name: str, tz: tzinfo | None = None) -> datetime:
    """An ISO 8601 date or datetime from a query string, made aware (naive: in `tz`, the
    calendar's zone; America/Toronto by default)."""
    if not value:
        raise InvalidWindow(_("The “%(name)s” parameter is missing.") % {"name": name})
    value = value.strip()
    # An unencoded "+" in "…T00:00:00+05:30" arrives as a space.
    if len(value) > 6 and value[-6] == " " and value[-5:-3].isdigit():
        value = f"{value[:-6]}+{value[-5:]}"
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time(0)) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidWindow(_("The “%(name)s” parameter is not an ISO 8601 date.") % {"name": name})
    if not within_window(moment):  # outside, date arithmetic overflows
        raise InvalidWindow(_("The “%(name)s” parameter is out of range.") % {"name": name})
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz or local_zone())
    return moment


def parse_window(start: str | None, end: str | None, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The [start, end) the feed was asked for, or InvalidWindow: at most MAX_RANGE_DAYS days.
    FullCalendar in a named zone sends them without an offset: they are read in `tz`."""
    tz = tz or local_zone()
    starts, ends = parse_moment(start, "start", tz), parse_moment(end, "end", tz)
    if ends <= starts:
        raise InvalidWindow(_("The end must be after the start."))
    # Counted in wall-clock days, so a range across a DST change is not an hour too long.
    length = ends.astimezone(tz).replace(tzinfo=None) - starts.astimezone(tz).replace(tzinfo=None)
    if length > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidWindow(_("The range is longer than %(days)s days.") % {"days": MAX_RANGE_DAYS})
    return starts, ends


def _overlapping(advisor: Advisor, start: datetime, end: datetime) -> QuerySet[Appointment]:
    # A range scan of the (advisor, starts_at) index bounded on both sides: without the lower
    # bound the scan would read the adviser's whole history (700+ rows at 10×, growing every
    # year) to keep the few whose end is in the window.
    return Appointment.objects.filter(
        advisor=advisor,
        starts_at__gte=start - LONGEST_APPOINTMENT,
        starts_at__lt=end,
        ends_at__gt=start,
    ).order_by("starts_at")


def window_appointments(advisor: Advisor, start: datetime, end: datetime) -> QuerySet[Appointment]:
    """The adviser's appointments of every status overlapping [start, end), as models: 1 query.

    Only what the calendar shows is loaded: no message, no employer person, no contact detail;
    `missing` counts the checklist items the employer has not ticked (a subquery, no query more).
    """
    return (
        _overlapping(advisor, start, end)
        .annotate(missing=missing_count())
        .select_related("company", "topic", "service_point", "municipality")
        .only(
            "uid",
            "starts_at",
            "ends_at",
            "status",
            "mode",
            "company__legal_name",
            "topic__name_fr",
            "topic__name_en",
            "service_point__host_office",
            "municipality__name",
        )
    )


def calendar_events(
    advisor: Advisor, start: datetime, end: datetime, *, with_contact: bool = False
) -> list[dict]:
    """FullCalendar event objects for the adviser's [start, end) (aware datetimes): 4 queries.

    `with_contact` adds each appointment's contact person (the API, for the adviser's own tools).
    The page's feed goes without: the browser's calendar needs no one's phone, and the
    appointment page the event links to shows it."""
    if end <= start:
        return []
    tz = local_zone()
    first_day = start.astimezone(tz).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    events = _appointment_events(advisor, start, end, with_contact=with_contact)
    events.extend(_availability_events(advisor, days))
    events.extend(
        _time_off_event(t)
        for t in TimeOff.objects.filter(advisor=advisor, starts_at__lt=end, ends_at__gt=start).order_by(
            "starts_at"
        )
    )
    events.extend(_holiday_event(day, name) for day, name in quebec_holidays_between(days))
    return events


# Appointments ---------------------------------------------------------------------------------


def _appointment_url_pattern() -> str | None:
    """The adviser's appointment page URL with a placeholder uid, or None while it does not exist.

    One reverse() per call instead of one per appointment: the uid is substituted afterwards.
    """
    try:
        return reverse("advisors:appointment", args=[UUID(int=0)])
    except NoReverseMatch:
        return None


def _appointment_events(
    advisor: Advisor, start: datetime, end: datetime, *, with_contact: bool = False
) -> list[dict]:
    """One event per appointment of the window, every status: 1 query returning tuples.

    Tuples, not models, and the status / mode labels translated once per call: a busy week
    costs no model instance and no lazy-string lookup per row (bench/calendar_json.py).
    """
    tz = local_zone()
    pattern = _appointment_url_pattern()
    placeholder = str(UUID(int=0))
    statuses = {value: str(label) for value, label in Appointment.Status.choices}
    modes = {value: str(label) for value, label in Mode.choices}
    topic_name = "topic__name_en" if is_english() else "topic__name_fr"
    rows = (
        _overlapping(advisor, start, end)
        .annotate(missing=missing_count())
        .values_list(
            "uid",
            "starts_at",
            "ends_at",
            "status",
            "mode",
            "company__legal_name",
            topic_name,
            "topic__name_fr",  # the fallback of an empty English name, as Topic.name does
            "service_point__host_office",
            "municipality__name",
            "missing",  # checklist items not ticked (appointments.checklist), in the same query
            # The contact person (appointments.selectors.contact_of), joined in the same query.
            "contact_phone",
            "booked_by__first_name",
            "booked_by__last_name",
            "booked_by__email",
            "booked_by__language",
            "booked_by__employer_profile__phone",
        )
    )
    events = []
    for (
        uid,
        starts_at,
        ends_at,
        status,
        mode,
        company,
        topic,
        topic_fr,
        point,
        municipality,
        missing,
        phone,
        first_name,
        last_name,
        email,
        language,
        profile_phone,
    ) in rows:
        phone = phone or profile_phone or ""
        event = {
            "id": f"appointment-{uid}",
            "title": f"{company} – {topic or topic_fr}",
            "start": _iso(starts_at.astimezone(tz)),
            "end": _iso(ends_at.astimezone(tz)),
            "classNames": ["cal-appointment", f"cal-status--{status}", f"cal-mode--{mode}"],
            "extendedProps": {
                "kind": "appointment",
                "status": status,
                "statusLabel": statuses.get(status, status),
                "mode": mode,
                "modeLabel": modes.get(mode, mode),
                "where": (municipality if mode == Mode.PREMISES else point) or "",
                "ready": not missing,
                "missing": missing,
                # Said for upcoming appointments only: a past one's list no longer matters.
                "readyLabel": not_ready_label(missing) if status == Appointment.Status.CONFIRMED else "",
            },
        }
        if with_contact and email:
            event["extendedProps"]["contact"] = {
                "name": f"{first_name} {last_name}".strip() or email,
                "email": email,
                "phone": phone,
                "phone_display": phones.display(phone),
                "language": language or "",
            }
        if missing and status == Appointment.Status.CONFIRMED:
            event["classNames"].append("cal-not-ready")
        if pattern:
            event["url"] = pattern.replace(placeholder, str(uid))
        events.append(event)
    return events


def not_ready_label(missing: int) -> str:
    """The agenda's "Not ready: 2 documents missing", or "" when nothing is missing."""
    if not missing:
        return ""
    return ngettext(
        "Not ready: %(count)d document missing", "Not ready: %(count)d documents missing", missing
    ) % {"count": missing}


# Availability ---------------------------------------------------------------------------------


def _availability_events(advisor: Advisor, days: list[date]) -> list[dict]:
    """Weekly hours dated day by day, openings and closures of the window: 2 queries."""
    points = {}  # id → ServicePoint, from the rows themselves (select_related, no extra query)
    weekly = defaultdict(list)
    # Hours are read in their place's zone (appointments.slots.Block.zone), as the search reads them.
    home_zone = F("advisor__home_service_point__municipality__time_zone")
    for row in (
        WeeklyAvailability.objects.filter(advisor=advisor)
        .select_related("service_point__municipality")
        .annotate(home_zone=home_zone)
    ):
        weekly[row.weekday].append(
            Block(row.start_time, row.end_time, row.service_point_id, _zone_of_row(row))
        )
        if row.service_point_id:
            points[row.service_point_id] = row.service_point
    # The week's points take the first colours, the same ones in every window; a point seen only
    # in a date-specific opening comes after them.
    colour_order = sorted(points)
    opened, closed = defaultdict(list), defaultdict(list)
    for row in (
        AvailabilityException.objects.filter(advisor=advisor, date__gte=days[0], date__lte=days[-1])
        .select_related("service_point__municipality")
        .annotate(home_zone=home_zone)
    ):
        if row.kind == AvailabilityException.Kind.OPEN:
            opened[row.date].append(
                Block(row.start_time, row.end_time, row.service_point_id, _zone_of_row(row))
            )
            if row.service_point_id:
                points[row.service_point_id] = row.service_point
        else:
            closed[row.date].append((row.start_time, row.end_time))
    # Only the weekly/opening split and the closures matter here; appointments are events.
    engine = AdvisorCalendar(advisor_id=advisor.pk, weekly=weekly, opened=opened, closed=closed)
    colour_order += sorted(set(points) - set(colour_order))
    palette = {pid: n % POINT_PALETTE for n, pid in enumerate(colour_order)}
    holidays = {day for day, _name in quebec_holidays_between(days)}
    remote = _("Remote")
    events = []
    for day in days:
        for start, end in closed.get(day, []):
            events.append(
                _background(
                    day,
                    start,
                    end,
                    title=_("Unavailable"),
                    classes=["cal-closed"],
                    props={"kind": "closed"},
                )
            )
        if day in holidays:
            continue  # no slot is offered on a public holiday (appointments.slots.free_slots)
        for block in engine.blocks_on(day):
            point = points.get(block.service_point_id)
            # A piece of a date-specific opening (a closure may have cut it): "extra hours".
            extra = any(
                o.service_point_id == block.service_point_id and o.start <= block.start and block.end <= o.end
                for o in opened.get(day, ())
            )
            classes = ["cal-availability"]
            classes.append(f"cal-point-{palette[point.pk]}" if point else "cal-remote")
            if extra:
                classes.append("cal-availability--extra")
            events.append(
                _background(
                    day,
                    block.start,
                    block.end,
                    zone=zone_of(block),
                    title=point.host_office if point else remote,
                    classes=classes,
                    props={
                        "kind": "availability",
                        "servicePoint": point.code if point else None,
                        "extra": extra,
                    },
                )
            )
    return events


def _zone_of_row(row) -> str:
    """The zone of an availability row's hours: its point's, else the adviser's home point's."""
    return (row.service_point.municipality.time_zone if row.service_point_id else row.home_zone) or ""


def _background(
    day: date, start: time, end: time, *, title: str, classes: list[str], props: dict, zone=None
) -> dict:
    tz = zone or local_zone()
    return {
        "title": title,
        "start": _iso(datetime.combine(day, start, tzinfo=tz)),
        "end": _iso(datetime.combine(day, end, tzinfo=tz)),
        "display": "background",
        "classNames": classes,
        "extendedProps": props,
    }


def _time_off_event(time_off: TimeOff) -> dict:
    tz = local_zone()
    return {
        "title": time_off.reason or _("Time off"),
        "start": _iso(time_off.starts_at.astimezone(tz)),
        "end": _iso(time_off.ends_at.astimezone(tz)),
        "display": "background",
        "classNames": ["cal-time-off"],
        "extendedProps": {"kind": "time_off"},
    }


# Holidays -------------------------------------------------------------------------------------


@cache
def _holiday_names(year: int, language: str) -> dict[date, str]:
    return dict(holidays_lib.country_holidays("CA", subdiv="QC", years=year, language=language))


def quebec_holidays_between(days: list[date]) -> list[tuple[date, str]]:
    """Québec public holidays among `days`, named in the active language (no query)."""
    language = "en_CA" if is_english() else "fr"
    found = []
    for day in days:
        name = _holiday_names(day.year, language).get(day)
        if name:
            found.append((day, name))
    return found


def _holiday_event(day: date, name: str) -> dict:
    return {
        "title": name,
        "start": day.isoformat(),
        "end": (day + timedelta(days=1)).isoformat(),
        "allDay": True,
        "display": "background",
        "classNames": ["cal-holiday"],
        "extendedProps": {"kind": "holiday"},
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
