"""What a calendar shows of an appointment: the .ics file (attached to the emails, downloaded from
the pages) and the "add to calendar" links of Google Calendar and Outlook.

The employer booked the time themselves, so the file is a copy of the event for their calendar,
not an invitation to answer: `METHOD:PUBLISH`, no ORGANIZER and no ATTENDEE (Outlook and Gmail
showed the old `METHOD:REQUEST` with an organizer as an invitation nobody could accept). Every
version has the same UID and the appointment's SEQUENCE, raised by each change the calendar must
apply (a new time, a new adviser, the adviser's confirmation), so a client that imports it again
updates the event instead of adding a second one; a cancellation is `METHOD:CANCEL` with
`STATUS:CANCELLED` at a higher SEQUENCE (docs/architecture.md, 2026-12-07).

Times are the wall-clock times of the meeting's zone with their TZID (`DTSTART;TZID=America/Halifax:
20261208T130000`) and the VTIMEZONE that defines it, from zoneinfo for the years around the event
(issue 27): a client shows them in its own zone as before, and one that shows the event's own
zone (Outlook, Apple Calendar) names Atlantic time for the Îles-de-la-Madeleine.

The DESCRIPTION says what the employer needs on the day: the reference, where to go or who calls
whom, the office's telephone, the documents to have ready and the link to reschedule or cancel. Two
alarms: the day before and an hour before.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import icalendar
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import checklist, meetings
from appointments.links import manage_url
from appointments.models import Appointment, Mode
from appointments.selectors import contact_of, location_text
from core import local_time, phones
from core.emails import render_plain
from core.organisation import ics_prodid, organisation_acronym

DESCRIPTION_TEMPLATE = "appointments/calendar/description.txt"
ALARMS = (timedelta(days=1), timedelta(hours=1))
GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK_COM = "https://outlook.live.com/calendar/0/deeplink/compose"
MICROSOFT_365 = "https://outlook.office.com/calendar/0/deeplink/compose"


@dataclass(frozen=True)
class Office:
    """The service point whose telephone the employer can call about the appointment."""

    name: str
    phone: str  # as people read it ("819 555-0101"), "" when the point has none
    phone_uri: str  # tel:+1…, "" when the number is not one a phone can dial


def office_of(appointment: Appointment) -> Office | None:
    """The meeting's service point, or else the adviser's home point (phone, video, premises)."""
    point = appointment.service_point or appointment.advisor.home_service_point
    if point is None:
        return None
    uri = ""
    if point.phone:
        try:
            uri = phones.tel_uri(phones.to_e164(point.phone))
        except ValidationError:
            uri = ""
    return Office(name=point.host_office, phone=phones.display(point.phone), phone_uri=uri)


def phone_to_call(appointment: Appointment) -> str:
    """For a phone appointment, the number the adviser calls, as people read it ("" if none)."""
    if appointment.mode != Mode.PHONE:
        return ""
    contact = contact_of(appointment.booked_by, phone=appointment.contact_phone)
    return phones.display(contact.phone if contact else appointment.contact_phone)


@dataclass(frozen=True)
class CalendarEvent:
    """An appointment as calendars take it, in the active language."""

    uid: str
    sequence: int
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    time_zone: str  # IANA name of the meeting's zone (Appointment.time_zone)
    summary: str
    description: str
    location: str  # an address, or the link to join a video meeting; empty by phone
    url: str  # the link to manage it; empty once cancelled
    meeting_url: str  # the employer's link to join a video meeting ("" otherwise)
    cancelled: bool


def summary_of(appointment: Appointment) -> str:
    return _("Consultation: %(topic)s (%(organisation)s)") % {
        "topic": appointment.topic.name,
        "organisation": organisation_acronym(),
    }


def event_of(
    appointment: Appointment, *, link: str | None = None, items: list[str] | None = None
) -> CalendarEvent:
    """The calendar event of `appointment` in the active language. `link` is the manage link
    (made here unless given; none once cancelled), `items` the topic's documents to prepare (read
    here unless given: a list page loads them for all its rows at once)."""
    cancelled = appointment.status == Appointment.Status.CANCELLED
    link = "" if cancelled else link or manage_url(appointment)
    if items is None:
        items = [entry.name for entry in checklist.checklist(appointment)]
    address = location_text(appointment) if appointment.mode in (Mode.SERVICE_POINT, Mode.PREMISES) else ""
    office = office_of(appointment)
    meeting_url = "" if cancelled else meetings.employer_link(appointment)
    description = render_plain(
        DESCRIPTION_TEMPLATE,
        {
            "appointment": appointment,
            "address": address,
            "phone_to_call": phone_to_call(appointment),
            "office": office,
            "items": items,
            "manage_url": link,
            "meeting_url": meeting_url,
        },
    ).strip()
    summary = summary_of(appointment)
    if cancelled:
        summary = _("Cancelled: %(summary)s") % {"summary": summary}
    return CalendarEvent(
        uid=f"{appointment.uid}@midi-regions",  # the UID every version since the first has carried
        sequence=appointment.sequence,
        starts_at=appointment.starts_at.astimezone(UTC),
        ends_at=appointment.ends_at.astimezone(UTC),
        time_zone=appointment.time_zone,
        summary=summary,
        description=description,
        location=address or meeting_url,
        url=link,
        meeting_url=meeting_url,
        cancelled=cancelled,
    )


def method_of(event: CalendarEvent) -> str:
    return "CANCEL" if event.cancelled else "PUBLISH"


def ics(event: CalendarEvent, *, now: datetime | None = None) -> bytes:
    """The one-event calendar file of `event`: PUBLISH, or CANCEL once cancelled."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", ics_prodid())
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method_of(event))
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    vevent.add("dtstart", local_time.in_zone(event.starts_at, event.time_zone))
    vevent.add("dtend", local_time.in_zone(event.ends_at, event.time_zone))
    vevent.add("summary", event.summary)
    vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    if event.meeting_url:
        # RFC 7986: clients that know CONFERENCE show a "Join" button.
        vevent.add(
            "conference",
            event.meeting_url,
            parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": _("Join the meeting")},
        )
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if not event.cancelled:
        for before in ALARMS:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", event.summary)
            alarm.add("trigger", -before)
            vevent.add_component(alarm)
    calendar.add_component(vevent)
    # The zone's rules from a year before to two years after the event: enough for any client to
    # place it (and a later move sends a new file), a few lines instead of the rules since 1970.
    year = event.starts_at.year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()


def _compact_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def google_url(event: CalendarEvent) -> str:
    """Google Calendar's event template, filled in: the person saves it in their calendar."""
    query = {
        "action": "TEMPLATE",
        "text": event.summary,
        "dates": f"{_compact_utc(event.starts_at)}/{_compact_utc(event.ends_at)}",
        "ctz": event.time_zone,  # the zone Google shows the event in
        "details": event.description,
    }
    if event.location:
        query["location"] = event.location
    return f"{GOOGLE}?{urlencode(query)}"


def outlook_url(event: CalendarEvent, *, work: bool = False) -> str:
    """Outlook on the web's new-event form, filled in: Outlook.com, or Microsoft 365 (`work`)."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.summary,
        "startdt": _iso_utc(event.starts_at),
        "enddt": _iso_utc(event.ends_at),
        "body": event.description,
    }
    if event.location:
        query["location"] = event.location
    return f"{MICROSOFT_365 if work else OUTLOOK_COM}?{urlencode(query)}"


def attach_checklist_names(appointments) -> None:
    """Give each appointment its documents to prepare (`checklist_names`), for a list's calendar
    links: 1 query for them all."""
    found = checklist.checklists(appointments)
    for appointment in appointments:
        appointment.checklist_names = [entry.name for entry in found[appointment.pk]]


@dataclass(frozen=True)
class AddToCalendar:
    """The links of the "Add to my calendar" menu of one appointment."""

    google: str
    outlook: str
    microsoft_365: str
    ics: str  # the download of the .ics (appointments:calendar_file or the signed link's)


def add_to_calendar(appointment: Appointment, *, download_url: str, **event_options) -> AddToCalendar:
    event = event_of(appointment, **event_options)
    return AddToCalendar(
        google=google_url(event),
        outlook=outlook_url(event),
        microsoft_365=outlook_url(event, work=True),
        ics=download_url,
    )
