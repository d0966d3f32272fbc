"""Syncing a CalDAV calendar from Radicale, a real CalDAV server started on loopback: the
time-range REPORT, recurrences expanded by us, the password encrypted at rest, refusals."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from calendar_sync import services
from calendar_sync.models import BusyInterval, SyncError
from calendar_sync.services import SourceData
from calendar_sync.tests.servers import fixture
from calendar_sync.tests.test_expansion import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Radicale test//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20261120T120000Z\r
DTSTART;TZID=America/Toronto:{start}\r
DTEND;TZID=America/Toronto:{end}\r
SUMMARY:Rencontre privée\r
{extra}END:VEVENT\r
END:VCALENDAR\r
"""


def one_uid_each(ics: bytes) -> list[bytes]:
    """A calendar file as CalDAV stores it: one resource per UID (the master and its overrides
    together), each with the zones it uses."""
    source = icalendar.Calendar.from_ical(ics)
    zones = [c for c in source.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list] = {}
    for component in source.walk("VEVENT"):
        by_uid.setdefault(str(component["UID"]), []).append(component)
    resources = []
    for events in by_uid.values():
        calendar = icalendar.Calendar()
        calendar.add("VERSION", "2.0")
        calendar.add("PRODID", "-//Exchange via CalDAV test//EN")
        for component in [*zones, *events]:
            calendar.add_component(component)
        resources.append(calendar.to_ical())
    return resources


def event(uid: str, start: str, end: str, extra: str = "") -> bytes:
    return EVENT.format(uid=uid, start=start, end=end, extra=extra).encode()


@pytest.fixture
def calendar(radicale, request):
    return radicale.make_calendar(
        f"cal-{request.node.name[-40:].replace('[', '-').replace(']', '')}-{id(request)}"
    )


def add(advisor, url, username, password):
    return services.add_source(
        advisor=advisor,
        data=SourceData(kind="caldav", name="Nextcloud", url=url, username=username, password=password),
    )


def test_caldav_busy_times_are_read_with_a_time_range_report(network, radicale, calendar):
    for number, resource in enumerate(one_uid_each(fixture("outlook_weekly.ics"))):  # Windows TZID too
        radicale.put(calendar, f"outlook-{number}.ics", resource)
    radicale.put(calendar, "one.ics", event("one", "20261124T130000", "20261124T143000"))
    radicale.put(
        calendar, "free.ics", event("free", "20261124T150000", "20261124T160000", "TRANSP:TRANSPARENT\r\n")
    )
    radicale.put(calendar, "past.ics", event("past", "20260104T130000", "20260104T143000"))
    source = add(network.advisor_a, calendar, *radicale.auth)
    source.refresh_from_db()
    assert source.last_error == "" and source.last_success_at is not None
    busy = list(BusyInterval.objects.filter(source=source).values_list("starts_at", "ends_at"))
    assert (at(date(2026, 11, 24), 13), at(date(2026, 11, 24), 14, 30)) in busy
    assert (at(date(2026, 11, 25), 14), at(date(2026, 11, 25), 15)) in busy  # the weekly meeting
    assert (at(date(2026, 12, 4), 0), at(date(2026, 12, 4), 12)) in busy  # all day, in 2 pieces
    assert all(s >= datetime(2026, 11, 23, 15, tzinfo=UTC) for s, _ in busy)  # the past is not kept
    assert not any(s == at(date(2026, 11, 24), 15) for s, _ in busy)  # transparent
    assert radicale.PASSWORD not in source.password_encrypted


def test_an_event_deleted_in_caldav_no_longer_blocks(network, radicale, calendar):
    radicale.put(calendar, "one.ics", event("one", "20261124T130000", "20261124T143000"))
    source = add(network.advisor_a, calendar, *radicale.auth)
    assert BusyInterval.objects.filter(source=source).count() == 1
    radicale.delete(calendar, "one.ics")
    assert services.sync_source(source.pk)
    assert BusyInterval.objects.filter(source=source).count() == 0


def test_a_wrong_password_is_a_refusal_in_words(network, radicale, calendar):
    source = add(network.advisor_a, calendar, radicale.USER, "not-the-password")
    source.refresh_from_db()
    assert (source.last_error, source.consecutive_failures) == (SyncError.REFUSED, 1)


def test_a_calendar_that_does_not_exist_is_not_found(network, radicale):
    source = add(network.advisor_a, radicale.base + f"{radicale.USER}/nowhere/", *radicale.auth)
    source.refresh_from_db()
    assert source.last_error in (SyncError.NOT_FOUND, SyncError.NOT_CALENDAR)


def test_the_report_covers_the_booking_horizon(network, radicale, calendar, frozen_now):
    radicale.put(calendar, "far.ics", event("far", "20270120T100000", "20270120T110000"))
    radicale.put(calendar, "too-far.ics", event("too-far", "20270301T100000", "20270301T110000"))
    source = add(network.advisor_a, calendar, *radicale.auth)
    busy = list(BusyInterval.objects.filter(source=source).values_list("starts_at", flat=True))
    assert busy == [at(date(2027, 1, 20), 10)]
    assert busy[0] < datetime(2026, 11, 23, tzinfo=UTC) + timedelta(days=61)
