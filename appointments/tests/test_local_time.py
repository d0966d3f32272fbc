"""Local time (issue 27): every time shown about an appointment is in the zone of its place —
the service point's for a meeting there, the company's for a visit, a call or a video meeting —
and named when it is not Eastern time. An Îles-de-la-Madeleine company is on Atlantic time: the
page, the email, the .ics and the reminder all say so."""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from appointments import calendar_event, reminders, services
from appointments.models import Appointment, Mode, Reminder
from core import local_time
from service_points import gazetteer
from tests import factories
from tests.booking_helpers import confirm_url, open_weekdays, tuesday
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

ATLANTIC_FR = "(heure de l’Atlantique)"
ATLANTIC_EN = "(Atlantic time)"


def gazetteer_zone(code: str) -> str:
    (row,) = [row for row in gazetteer.municipality_rows() if row.code == code]
    return row.time_zone


@pytest.fixture
def iles(bookable):
    """Les Îles-de-la-Madeleine as the official list has it (its zone from the committed data), with
    a service point at Cap-aux-Meules staffed by its own adviser, open at their hours."""
    region = factories.RegionFactory(code="11", name_fr="Gaspésie–Îles-de-la-Madeleine")
    municipality = factories.MunicipalityFactory(
        code="01023",
        name="Les Îles-de-la-Madeleine",
        mrc=factories.MrcFactory(
            code="01", name="Communauté maritime des Îles-de-la-Madeleine", region=region
        ),
        region=region,
        latitude=47.3764,
        longitude=-61.8676,
        time_zone=gazetteer_zone("01023"),
    )
    point = factories.ServicePointFactory(code="iles", municipality=municipality, postal_code="G4T 1A1")
    advisor = factories.AdvisorFactory(home_service_point=point, knows=[bookable.topic])
    open_weekdays(advisor)
    bookable.iles, bookable.iles_point, bookable.iles_advisor = municipality, point, advisor
    return bookable


def book(network, employer, *, mode, advisor, location, at=None):
    return services.book_appointment(
        company=employer.employer_profile.company,
        booked_by=employer,
        topic=network.topic,
        mode=mode,
        location=location,
        choice=services.SlotChoice(advisor.pk, advisor.home_service_point_id, at or tuesday(10, 30)),
        contact_phone="+14189865555" if mode == Mode.PHONE else "",
    )


def text_of(message) -> str:
    return message.body


def ics_of(message) -> str:
    (content,) = [c for name, c, _type in message.attachments if name.endswith(".ics")]
    return content.decode() if isinstance(content, bytes) else content


def test_the_gazetteer_puts_the_islands_and_the_lower_north_shore_on_atlantic_time():
    zones = {row.code: row.time_zone for row in gazetteer.municipality_rows()}
    assert zones["01023"] == zones["01042"] == "America/Halifax"  # Les Îles, Grosse-Île
    assert zones["98005"] == "America/Blanc-Sablon"  # Blanc-Sablon: Atlantic standard time all year
    assert zones["37067"] == zones["03005"] == zones["97007"] == "America/Toronto"  # T.-R., Gaspé, Sept-Îles
    assert set(zones.values()) == {zone.value for zone in local_time.Zone}
    assert sum(zone != "America/Toronto" for zone in zones.values()) == 7  # 2 on the Islands, 5 on the Shore


def test_a_phone_call_with_an_islands_company_is_in_atlantic_time_everywhere(iles, employer_a):
    # The adviser is in Trois-Rivières (10 h 30 Eastern); the company answers at 11 h 30 Atlantic.
    appointment = book(iles, employer_a, mode=Mode.PHONE, advisor=iles.advisor_a, location=iles.iles)
    assert appointment.time_zone == "America/Halifax"

    client = signed_in(employer_a)
    page = client.get(reverse("appointments:detail", args=[appointment.uid])).content.decode()
    assert f"11 h 30–12 h 30 {ATLANTIC_FR}" in page
    assert "10 h 30" not in page
    listing = client.get(reverse("appointments:list")).content.decode()
    assert f"11 h 30 {ATLANTIC_FR}" in listing and "10 h 30" not in listing
    moving = client.get(reverse("appointments:reschedule", args=[appointment.uid])).content.decode()
    assert f"11 h 30 {ATLANTIC_FR}" in moving and "Fuseau horaire\u00a0: heure de l’Atlantique." in moving

    (message,) = mail.outbox
    assert f"11 h 30–12 h 30 {ATLANTIC_FR}" in message.body
    assert ATLANTIC_FR in message.subject
    html = message.alternatives[0][0]
    assert (
        f"11 h 30–12 h 30 {ATLANTIC_FR}".replace("’", "&#x27;") in html
        or f"11 h 30–12 h 30 {ATLANTIC_FR}" in html
    )

    ics = ics_of(message)
    assert "DTSTART;TZID=America/Halifax:20261124T113000" in ics
    assert "DTEND;TZID=America/Halifax:20261124T123000" in ics
    assert "BEGIN:VTIMEZONE\r\nTZID:America/Halifax" in ics
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone(UTC) == appointment.starts_at  # the same instant

    reminder = Reminder.objects.filter(appointment=appointment).first()
    sent = reminders.reminder_email(reminder)
    assert f"11 h 30–12 h 30 {ATLANTIC_FR}" in sent.text
    assert f"11 h 30 {ATLANTIC_FR}" in sent.subject
    assert f"11 h 30–12 h 30 {ATLANTIC_FR}" in sent.html


def test_english_names_the_zone_too(iles, employer_a):
    employer_a.language = "en"
    employer_a.save()
    appointment = book(iles, employer_a, mode=Mode.VIDEO, advisor=iles.advisor_a, location=iles.iles)
    (message,) = mail.outbox
    assert f"11:30 a.m.–12:30 p.m. {ATLANTIC_EN}" in message.body
    reminder = Reminder.objects.filter(appointment=appointment).first()
    assert ATLANTIC_EN in reminders.reminder_email(reminder).text
    with translation.override("en"):
        page = signed_in(employer_a).get(reverse("appointments:detail", args=[appointment.uid]))
    assert ATLANTIC_EN in page.content.decode()


def test_a_meeting_at_a_service_point_is_in_the_points_zone(iles, employer_a):
    # An Islands company meeting in Trois-Rivières: Eastern time, written bare.
    there = book(iles, employer_a, mode=Mode.SERVICE_POINT, advisor=iles.advisor_a, location=iles.iles)
    assert there.time_zone == "America/Toronto"
    (message,) = mail.outbox
    assert "10 h 30–11 h 30\n" in message.body and "Atlantique" not in message.body
    assert "DTSTART;TZID=America/Toronto:20261124T103000" in ics_of(message)

    # A Trois-Rivières company meeting at Cap-aux-Meules: the Islands' time.
    mail.outbox.clear()
    here = book(
        iles,
        employer_a,
        mode=Mode.SERVICE_POINT,
        advisor=iles.iles_advisor,
        location=iles.municipality_a,
        at=(tuesday(10, 30) + timedelta(days=1)).replace(tzinfo=local_time.zone("America/Halifax")),
    )
    assert here.time_zone == "America/Halifax"
    (message,) = mail.outbox
    assert ATLANTIC_FR in message.body
    assert "DTSTART;TZID=America/Halifax:" in ics_of(message)


def test_a_visit_to_an_islands_company_is_in_atlantic_time(iles, employer_a):
    at = (tuesday(10, 30) + timedelta(days=1)).replace(
        tzinfo=local_time.zone("America/Halifax")
    )  # their Wednesday 10 h 30
    appointment = book(
        iles, employer_a, mode=Mode.PREMISES, advisor=iles.iles_advisor, location=iles.iles, at=at
    )
    assert appointment.time_zone == "America/Halifax"


def test_the_confirmation_step_shows_atlantic_time(iles, employer_a):
    url, params = confirm_url(
        iles, iles.advisor_a, tuesday(10, 30), mode=Mode.PHONE, municipality="Les Îles-de-la-Madeleine"
    )
    page = signed_in(employer_a).get(f"{url}?{urlencode(params)}")
    assert page.status_code == 200, page.content.decode()[:2000]
    assert f"11 h 30–12 h 30 {ATLANTIC_FR}" in page.content.decode()


def test_the_time_picker_shows_an_islands_companys_times_in_atlantic_time(iles, employer_a):
    params = {"topic": iles.topic.code, "mode": Mode.PHONE, "municipality": "Les Îles-de-la-Madeleine"}
    page = signed_in(employer_a).get(reverse("appointments:slots"), {**params, "day": "2026-11-25"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Fuseau horaire\u00a0: heure de l’Atlantique." in text
    # Trois-Rivières' adviser, open at 8 h 30 Eastern time: the Islands' clocks say 9 h 30.
    assert 'at=2026-11-25T13:30:00Z">9 h 30<span' in text
    # The Islands' own adviser, open at 8 h 30 on the Islands' clocks: 8 h 30.
    assert 'at=2026-11-25T12:30:00Z">8 h 30<span' in text
    assert "heure du Québec" not in text


def test_the_time_picker_names_no_zone_in_eastern_time(iles, employer_a):
    params = {"topic": iles.topic.code, "mode": Mode.PHONE, "municipality": "Trois-Rivières"}
    text = signed_in(employer_a).get(reverse("appointments:slots"), {**params, "day": "2026-11-25"})
    text = text.content.decode()
    assert ">8 h 30<span" in text and "Fuseau horaire" not in text


def test_eastern_time_is_written_bare(bookable, employer_a):
    appointment = book(
        bookable, employer_a, mode=Mode.PHONE, advisor=bookable.advisor_a, location=bookable.municipality_a
    )
    page = signed_in(employer_a).get(reverse("appointments:detail", args=[appointment.uid])).content.decode()
    assert "10 h 30–11 h 30" in page and "heure de l" not in page


# Across daylight saving time ----------------------------------------------------------------
# Canada springs forward on Sunday 14 March 2027 and falls back on Sunday 7 November 2027 (2 h
# local); Blanc-Sablon never changes (UTC−4 all year).


@pytest.mark.parametrize(
    ("utc", "zone", "wall"),
    [
        (datetime(2027, 3, 12, 14, 0, tzinfo=UTC), "America/Halifax", "10 h"),  # AST, UTC−4
        (datetime(2027, 3, 15, 14, 0, tzinfo=UTC), "America/Halifax", "11 h"),  # ADT, UTC−3
        (datetime(2027, 3, 12, 14, 0, tzinfo=UTC), "America/Toronto", "9 h"),  # EST, UTC−5
        (datetime(2027, 3, 15, 14, 0, tzinfo=UTC), "America/Toronto", "10 h"),  # EDT, UTC−4
        (datetime(2027, 3, 15, 14, 0, tzinfo=UTC), "America/Blanc-Sablon", "10 h"),  # AST all year
        (datetime(2027, 11, 5, 14, 0, tzinfo=UTC), "America/Halifax", "11 h"),  # ADT
        (datetime(2027, 11, 8, 14, 0, tzinfo=UTC), "America/Halifax", "10 h"),  # AST again
        (datetime(2027, 11, 8, 14, 0, tzinfo=UTC), "America/Blanc-Sablon", "10 h"),
    ],
)
def test_times_across_dst_changes(iles, employer_a, utc, zone, wall):
    iles.iles.time_zone = zone
    iles.iles.save(update_fields=["time_zone"])
    appointment = Appointment.objects.create(
        advisor=iles.advisor_a,
        topic=iles.topic,
        mode=Mode.PHONE,
        company=employer_a.employer_profile.company,
        booked_by=employer_a,
        municipality=iles.iles,
        starts_at=utc,
        ends_at=utc.replace(hour=15),
    )
    reminder = Reminder.objects.create(appointment=appointment, kind=1440, scheduled_at=utc)
    values = reminders.reminder_context(reminder, "fr-ca")
    assert values["start_time"] == wall
    assert values["zone_note"] == ("" if zone == "America/Toronto" else f" {ATLANTIC_FR}")
    with translation.override("fr-ca"):
        ics = calendar_event.ics(calendar_event.event_of(appointment, link="https://example.org/x")).decode()
    hour = int(wall.split()[0])
    assert f"DTSTART;TZID={zone}:{utc:%Y%m%d}T{hour:02d}0000" in ics
    # The VTIMEZONE holds the rule in force that day: a client that reads it finds the same instant.
    parsed = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0].decoded("DTSTART")
    assert parsed.astimezone(UTC) == utc


# --- The hours an adviser gives are read on their place's clock ---------------------------------


def first_slot_of(advisor, network, *, mode, location):
    from appointments import selectors

    search = selectors.available_slots(
        topic=network.topic, mode=mode, location=location, only_advisor=advisor, days_per_group=None
    )
    (group,) = search.groups
    # Wednesday's first: on Tuesday the day's notice (from Monday 10 h in Montréal) skips the morning.
    (slots,) = [slots for day, slots in group.days if day.isoformat() == "2026-11-25"]
    return slots[0]


def test_hours_at_an_islands_point_are_islands_hours(iles):
    """Open at Cap-aux-Meules 8 h 30–12 h: 8 h 30 on the Islands' clocks (12 h 30 UTC in
    November), not 8 h 30 in Montréal (13 h 30 UTC)."""
    slot = first_slot_of(iles.iles_advisor, iles, mode=Mode.SERVICE_POINT, location=iles.iles)
    assert slot.start.astimezone(UTC).time().isoformat() == "12:30:00"
    assert slot.start.astimezone(local_time.zone("America/Halifax")).strftime("%H:%M") == "08:30"


def test_remote_hours_are_read_on_the_advisers_home_clock(iles):
    """Phone hours (no point) of an adviser based on the Islands are the Islands' hours too."""
    from advisors.models import WeeklyAvailability

    WeeklyAvailability.objects.filter(advisor=iles.iles_advisor).update(service_point=None)
    slot = first_slot_of(iles.iles_advisor, iles, mode=Mode.PHONE, location=iles.iles)
    assert slot.start.astimezone(UTC).time().isoformat() == "12:30:00"


def test_the_islands_point_is_booked_at_its_own_hours(iles, employer_a):
    halifax = local_time.zone("America/Halifax")
    wednesday = tuesday(0).date() + timedelta(days=1)
    at = datetime.combine(wednesday, time(8, 30), tzinfo=halifax)  # 8 h 30 on the Islands
    booked = book(
        iles, employer_a, mode=Mode.SERVICE_POINT, advisor=iles.iles_advisor, location=iles.iles, at=at
    )
    assert booked.starts_at.astimezone(UTC).time().isoformat() == "12:30:00"
    with pytest.raises(services.BookingError):  # 11 h 30–12 h 30 on the Islands: past their noon
        book(
            iles,
            employer_a,
            mode=Mode.SERVICE_POINT,
            advisor=iles.iles_advisor,
            location=iles.iles,
            at=datetime.combine(wednesday, time(11, 30), tzinfo=halifax),
        )


def test_the_advisers_calendar_paints_islands_hours_on_islands_time(iles):
    from agenda.calendar import calendar_events

    start = tuesday(0).astimezone(UTC)
    events = calendar_events(iles.iles_advisor, start, start + timedelta(days=1))
    opened = sorted(e["start"] for e in events if e.get("extendedProps", {}).get("kind") == "availability")
    assert opened[0].endswith("T08:30:00-04:00"), opened
