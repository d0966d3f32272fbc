"""The appointment in the employer's calendar: the .ics (attached, downloaded) read by two
independent parsers, its METHOD and SEQUENCE through a move and a cancellation, who may download
it, and the "add to calendar" links of Google and Outlook."""

import re
from datetime import UTC, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import time_machine
import vobject
from django.core import mail
from django.urls import reverse

from appointments import calendar_event, links, services
from appointments.models import ChecklistItem, Mode
from tests.booking_helpers import book, tuesday
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

OFFICE_PHONE = "819 555-0123"
CALLED = "+18195550142"
COMPACT_UTC = re.compile(r"^\d{8}T\d{6}Z$")


@pytest.fixture
def office(bookable):
    """Adviser A's point has a telephone, and the topic a list of documents to prepare."""
    bookable.point_a.phone = OFFICE_PHONE
    bookable.point_a.save(update_fields=["phone"])
    for position, (fr, en) in enumerate(
        [("Offre d'emploi signée", "Signed job offer"), ("Numéro d'entreprise (NEQ)", "Enterprise number")]
    ):
        ChecklistItem.objects.create(topic=bookable.topic, name_fr=fr, name_en=en, position=position)
    return bookable


def book_in(network, employer, mode):
    advisor = network.advisor_a
    return services.book_appointment(
        company=employer.employer_profile.company,
        booked_by=employer,
        topic=network.topic,
        mode=mode,
        location=network.municipality_a,
        choice=services.SlotChoice(advisor.pk, advisor.home_service_point_id, tuesday(10, 30)),
        contact_phone=CALLED if mode == Mode.PHONE else "",
    )


def emailed_ics(message) -> bytes:
    (content,) = [content for name, content, _type in message.attachments if name.endswith(".ics")]
    return content if isinstance(content, bytes) else content.encode()


def read_with_icalendar(data: bytes) -> dict:
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    alarms = event.walk("VALARM")
    return {
        "method": str(calendar["METHOD"]),
        "uid": str(event["UID"]),
        "sequence": int(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "start": event.decoded("DTSTART").astimezone(UTC),
        "end": event.decoded("DTEND").astimezone(UTC),
        "summary": str(event["SUMMARY"]),
        "description": str(event["DESCRIPTION"]),
        "location": str(event.get("LOCATION", "")),
        "alarms": sorted(alarm.decoded("TRIGGER") for alarm in alarms),
        "alarm_actions": {str(alarm["ACTION"]) for alarm in alarms},
        "people": [name for name in ("ORGANIZER", "ATTENDEE") if name in event],
    }


def read_with_vobject(data: bytes) -> dict:
    calendar = vobject.readOne(data.decode("utf-8"))
    (event,) = calendar.vevent_list
    alarms = getattr(event, "valarm_list", [])
    contents = event.contents
    return {
        "method": calendar.method.value,
        "uid": event.uid.value,
        "sequence": int(event.sequence.value),
        "status": event.status.value,
        "start": event.dtstart.value.astimezone(UTC),
        "end": event.dtend.value.astimezone(UTC),
        "summary": event.summary.value,
        "description": event.description.value,
        "location": event.location.value if "location" in contents else "",
        "alarms": sorted(alarm.trigger.value for alarm in alarms),
        "alarm_actions": {alarm.action.value for alarm in alarms},
        "people": [name.upper() for name in ("organizer", "attendee") if name in contents],
    }


@pytest.mark.parametrize("mode", [Mode.SERVICE_POINT, Mode.PHONE, Mode.VIDEO])
def test_both_parsers_read_the_same_event_from_the_confirmation(office, employer_a, mode):
    appointment = book_in(office, employer_a, mode)
    (confirmation,) = mail.outbox
    data = emailed_ics(confirmation)
    first, second = read_with_icalendar(data), read_with_vobject(data)
    assert first == second
    assert first["method"] == "PUBLISH" and first["status"] == "CONFIRMED"
    assert first["people"] == []  # no organizer, no attendee: nothing to accept or decline
    assert first["start"] == tuesday(10, 30).astimezone(UTC)
    assert first["end"] == first["start"] + timedelta(minutes=office.topic.duration_minutes)
    assert first["uid"] == f"{appointment.uid}@midi-regions" and first["sequence"] == 0
    assert first["alarms"] == [-timedelta(days=1), -timedelta(hours=1)]
    assert first["alarm_actions"] == {"DISPLAY"}
    assert office.topic.name_fr in first["summary"]
    description = first["description"]
    assert appointment.reference in description
    assert links.manage_url(appointment).rsplit("/", 2)[0] in description  # the manage link
    assert OFFICE_PHONE in description and office.point_a.host_office in description
    assert "- Offre d'emploi signée" in description and "- Numéro d'entreprise (NEQ)" in description
    if mode == Mode.SERVICE_POINT:
        assert first["location"] == (
            f"{office.point_a.host_office}, 100, rue Principale, Trois-Rivières (Québec) G9A 5S9"
        )
    elif mode == Mode.PHONE:
        assert first["location"] == ""  # no address to map for a call
    if mode == Mode.PHONE:
        assert "819 555-0142" in description
    if mode == Mode.VIDEO:
        assert "Rejoindre la réunion par visioconférence" in description
        # The room's link is where the meeting is held (appointments/tests/test_meeting_links.py).
        assert first["location"] == appointment.meeting_url and appointment.meeting_url in description


def test_the_file_carries_the_meetings_zone_and_a_utc_stamp(office, employer_a):
    book(office, employer_a)
    text = emailed_ics(mail.outbox[0]).decode()
    # 10 h 30 in Trois-Rivières, with the zone that defines it (issue 27).
    assert "DTSTART;TZID=America/Toronto:20261124T103000" in text
    assert "DTEND;TZID=America/Toronto:20261124T113000" in text
    assert "BEGIN:VTIMEZONE\r\nTZID:America/Toronto" in text
    assert "DTSTAMP:20261123T150000Z" in text


def test_a_move_keeps_the_uid_and_raises_the_sequence_and_a_cancellation_cancels(office, employer_a):
    appointment = book(office, employer_a)
    booked = read_with_icalendar(emailed_ics(mail.outbox[-1]))
    moved = services.reschedule_appointment(
        appointment=appointment,
        choice=services.SlotChoice(office.advisor_a.pk, office.point_a.pk, tuesday(14)),
        by=employer_a,
    )
    after_move = read_with_icalendar(emailed_ics(mail.outbox[-1]))
    services.cancel_appointment(appointment=moved, by=employer_a)
    (cancellation,) = [
        part for part in mail.outbox[-1].message().walk() if part.get_content_type() == "text/calendar"
    ]
    after_cancel = read_with_vobject(emailed_ics(mail.outbox[-1]))

    assert booked["uid"] == after_move["uid"] == after_cancel["uid"]
    assert booked["sequence"] < after_move["sequence"] < after_cancel["sequence"]
    assert after_move["method"] == "PUBLISH" and after_move["start"] == tuesday(14).astimezone(UTC)
    assert after_cancel["method"] == "CANCEL" and after_cancel["status"] == "CANCELLED"
    assert cancellation.get_param("method") == "CANCEL"
    assert after_cancel["alarms"] == []  # nothing to be reminded of
    assert "Annulé" in after_cancel["summary"]


def test_the_adviser_s_confirmation_is_a_newer_copy_and_a_held_consultation_sends_no_file(office, employer_a):
    appointment = book(office, employer_a)
    services.confirm_appointment(appointment=appointment, by=office.advisor_a.user)
    confirmed = read_with_icalendar(emailed_ics(mail.outbox[-1]))
    assert confirmed["method"] == "PUBLISH" and confirmed["sequence"] == 1
    with time_machine.travel(tuesday(12), tick=False):
        appointment.refresh_from_db()
        services.record_outcome(appointment=appointment, by=office.advisor_a.user, status="completed")
    assert not [name for name, *_rest in mail.outbox[-1].attachments if name.endswith(".ics")]


def test_the_file_follows_the_reader_s_language(office, employer_a):
    employer_a.language = "en"
    employer_a.save(update_fields=["language"])
    book(office, employer_a)
    event = read_with_icalendar(emailed_ics(mail.outbox[-1]))
    assert office.topic.name_en in event["summary"]
    assert "Documents to have ready:" in event["description"] and "- Signed job offer" in event["description"]
    assert "/en/" in event["description"]  # the manage link in English


# --- The download -------------------------------------------------------------------------------


def test_a_representative_downloads_the_same_file(office, employer_a, client_for):
    appointment = book(office, employer_a)
    response = client_for(employer_a).get(reverse("appointments:calendar_file", args=[appointment.uid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    filename = f"rendez-vous-{appointment.reference}.ics"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response["Cache-Control"]
    downloaded = read_with_vobject(response.content)
    emailed = read_with_vobject(emailed_ics(mail.outbox[0]))
    assert {k: v for k, v in downloaded.items() if k != "description"} == {
        k: v for k, v in emailed.items() if k != "description"
    }


def test_another_company_and_a_visitor_cannot_download_it(office, employer_a, employer_b, client):
    appointment = book(office, employer_a)
    url = reverse("appointments:calendar_file", args=[appointment.uid])
    assert signed_in(employer_b).get(url).status_code == 404
    visitor = client.get(url)
    assert visitor.status_code == 302 and reverse("account_login") in visitor["Location"]
    assert signed_in(office.advisor_a.user).get(url).status_code == 403


def test_the_emailed_link_downloads_it_until_the_start(office, employer_a, client):
    appointment = book(office, employer_a)
    url = reverse("appointments:manage_calendar_file", args=[links.manage_token(appointment)])
    response = client.get(url)
    assert response.status_code == 200 and read_with_icalendar(response.content)["method"] == "PUBLISH"
    forged = reverse("appointments:manage_calendar_file", args=["not-a-token"])
    assert client.get(forged).status_code == 400
    with time_machine.travel(tuesday(10, 31), tick=False):
        assert client.get(url).status_code == 410


# --- Add to calendar ----------------------------------------------------------------------------


def query_of(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_the_add_to_calendar_links_are_well_formed(office, employer_a):
    appointment = book(office, employer_a)
    event = calendar_event.event_of(appointment)
    where, google = query_of(calendar_event.google_url(event))
    assert where == "https://calendar.google.com/calendar/render"
    assert google["action"] == "TEMPLATE"
    start, end = google["dates"].split("/")
    assert COMPACT_UTC.match(start) and COMPACT_UTC.match(end)
    assert (start, end) == ("20261124T153000Z", "20261124T163000Z")  # 10 h 30 in Québec, in UTC
    assert google["text"] == event.summary and google["details"] == event.description
    assert google["location"] == event.location and "Trois-Rivières" in google["location"]
    for work, host in ((False, "outlook.live.com"), (True, "outlook.office.com")):
        where, outlook = query_of(calendar_event.outlook_url(event, work=work))
        assert where == f"https://{host}/calendar/0/deeplink/compose"
        assert outlook["rru"] == "addevent" and outlook["path"] == "/calendar/action/compose"
        assert (outlook["startdt"], outlook["enddt"]) == ("2026-11-24T15:30:00Z", "2026-11-24T16:30:00Z")
        assert outlook["subject"] == event.summary and outlook["body"] == event.description


def test_a_phone_appointment_s_links_have_no_location(office, employer_a):
    event = calendar_event.event_of(book_in(office, employer_a, Mode.PHONE))
    assert "location" not in query_of(calendar_event.google_url(event))[1]


def new_tab_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener noreferrer">([^<]+)<span', html)


@pytest.mark.parametrize("page", ["detail", "list"])
def test_the_appointment_pages_offer_the_calendars_in_a_new_tab_and_say_so(
    office, employer_a, client_for, page
):
    appointment = book(office, employer_a)
    url = reverse(f"appointments:{page}", **({"args": [appointment.uid]} if page == "detail" else {}))
    html = client_for(employer_a).get(url).content.decode()
    hosts = {urlsplit(href.replace("&amp;", "&")).netloc for href, _name in new_tab_links(html)}
    assert hosts == {"calendar.google.com", "outlook.live.com", "outlook.office.com"}
    assert unescape(html).count("(s’ouvre dans un nouvel onglet)") == 3
    assert reverse("appointments:calendar_file", args=[appointment.uid]) in html
    assert appointment.reference in html


def test_the_signed_link_page_downloads_through_the_link(office, employer_a, client):
    appointment = book(office, employer_a)
    token = links.manage_token(appointment)
    html = client.get(reverse("appointments:manage", args=[token])).content.decode()
    assert reverse("appointments:manage_calendar_file", args=[token]) in html
    assert reverse("appointments:calendar_file", args=[appointment.uid]) not in html


def test_a_cancelled_appointment_offers_no_calendar_links(office, employer_a, client_for):
    appointment = services.cancel_appointment(appointment=book(office, employer_a), by=employer_a)
    html = client_for(employer_a).get(reverse("appointments:detail", args=[appointment.uid])).content.decode()
    assert "calendar.google.com" not in html


def test_the_list_page_reads_the_calendar_links_in_a_fixed_number_of_queries(
    office, employer_a, client_for, django_assert_max_num_queries
):
    client = client_for(employer_a)
    url = reverse("appointments:list")
    book(office, employer_a)
    client.get(url)
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    book(office, employer_a, tuesday(14))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_the_confirmation_email_gives_the_reference_the_office_phone_and_the_number_called(
    office, employer_a
):
    appointment = book_in(office, employer_a, Mode.PHONE)
    (message,) = mail.outbox
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert appointment.reference in message.subject
    for part in (message.body, html):
        assert OFFICE_PHONE in part and appointment.reference in part
        assert "819 555-0142" in part
    assert 'href="tel:+18195550123"' in html


def test_the_appointment_page_gives_the_office_phone_and_a_print_button(office, employer_a, client_for):
    appointment = book(office, employer_a)
    html = client_for(employer_a).get(reverse("appointments:detail", args=[appointment.uid])).content.decode()
    assert 'href="tel:+18195550123"' in html and OFFICE_PHONE in html
    assert "data-print hidden" in html  # shown by static/js/print.js
