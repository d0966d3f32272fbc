"""Video appointments get a meeting link (core.video, appointments.meetings): made when booked,
kept when moved, revoked when cancelled; shown only to the participants — the employer's page,
emails, reminder and .ics, the adviser's page — never in the adviser's calendar feed."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import jwt
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from advisors.models import Advisor
from agenda.feed import feed_calendar
from appointments import meetings, reminders, services
from appointments.models import Appointment, Mode, Reminder
from core import video
from tests.booking_helpers import open_weekdays, tuesday
from tests.clients import bearer
from tests.factories import AdvisorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

SERVER = "https://visio.example.gouv.qc.ca"
SECRET = "un-secret-de-test-assez-long-pour-hs256"
ROOM = re.compile(rf"^{re.escape(SERVER)}/rv-[0-9a-f]{{24}}$")


@pytest.fixture(autouse=True)
def jitsi(settings):
    settings.VIDEO_PROVIDER = "jitsi"
    settings.JITSI_SERVER_URL = SERVER
    settings.JITSI_APP_ID = ""
    settings.JITSI_APP_SECRET = ""
    return settings


@pytest.fixture
def with_tokens(jitsi):
    jitsi.JITSI_APP_ID = "midi"
    jitsi.JITSI_APP_SECRET = SECRET
    return jitsi


@pytest.fixture
def fixed(settings):
    settings.VIDEO_PROVIDER = "fixed"
    return settings


def book(network, employer, mode=Mode.VIDEO, at=None, advisor=None):
    advisor = advisor or network.advisor_a
    appointment = services.book_appointment(
        company=employer.employer_profile.company,
        booked_by=employer,
        topic=network.topic,
        mode=mode,
        location=network.municipality_a,
        choice=services.SlotChoice(advisor.pk, advisor.home_service_point_id, at or tuesday(10, 30)),
        contact_phone="+18195550142" if mode == Mode.PHONE else "",
    )
    return appointment


def token_of(link: str) -> dict:
    (token,) = parse_qs(urlsplit(link).query)["jwt"]
    # The clock is frozen the day before: the token is not valid yet (its nbf is checked below).
    return jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", options={"verify_nbf": False})


# The provider ----------------------------------------------------------------------------------


def test_each_room_has_its_own_unguessable_name():
    provider = video.JitsiMeet(SERVER)
    rooms = {provider.new_room() for _ in range(200)}
    assert len(rooms) == 200 and all(ROOM.match(room) for room in rooms)


def test_without_a_secret_the_link_is_the_room():
    provider = video.JitsiMeet(SERVER)
    room = provider.new_room()
    who = video.Participant("Soudures Gaspé inc.")
    assert provider.join_url(room, participant=who, starts_at=tuesday(10), ends_at=tuesday(11)) == room


def test_with_a_secret_each_link_carries_a_token_for_that_room_and_time_only():
    provider = video.JitsiMeet(SERVER, app_id="midi", secret=SECRET)
    room = provider.new_room()
    start, end = tuesday(10, 30), tuesday(11, 30)
    employer = token_of(
        provider.join_url(room, participant=video.Participant("Soudures"), starts_at=start, ends_at=end)
    )
    adviser = token_of(
        provider.join_url(
            room, participant=video.Participant("Julie", moderator=True), starts_at=start, ends_at=end
        )
    )
    assert employer["room"] == room.rsplit("/", 1)[1] and employer["sub"] == "visio.example.gouv.qc.ca"
    assert employer["iss"] == "midi" and employer["context"]["user"]["name"] == "Soudures"
    assert employer["nbf"] == int((start - timedelta(hours=1)).timestamp())
    assert employer["exp"] == int((end + timedelta(hours=1)).timestamp())
    assert (employer["moderator"], adviser["moderator"]) == (False, True)
    forged = provider.join_url(room, participant=video.Participant("x"), starts_at=start, ends_at=end)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            parse_qs(urlsplit(forged).query)["jwt"][0], "autre", algorithms=["HS256"], audience="jitsi"
        )


@pytest.mark.parametrize("bad", ["http://visio.example", "visio.example", "", "javascript:alert(1)"])
def test_a_server_that_is_not_https_is_a_configuration_error(bad):
    with pytest.raises(ImproperlyConfigured):
        video.JitsiMeet(bad)


# The room's life --------------------------------------------------------------------------------


def test_a_video_booking_gets_a_room_and_other_modes_none(bookable, employer_a):
    bookable.topic.max_upcoming_per_company = 3
    bookable.topic.save()
    by_video = book(bookable, employer_a)
    by_phone = book(bookable, employer_a, Mode.PHONE, at=tuesday(14))
    at_office = book(bookable, employer_a, Mode.SERVICE_POINT, at=tuesday(10, 30) + timedelta(days=1))
    assert ROOM.match(by_video.meeting_url)
    assert by_phone.meeting_url == at_office.meeting_url == ""
    assert meetings.employer_link(by_phone) == meetings.employer_link(at_office) == ""


def test_the_room_is_kept_when_the_time_moves_and_revoked_when_cancelled(bookable, employer_a):
    appointment = book(bookable, employer_a)
    room = appointment.meeting_url
    moved = services.reschedule_appointment(
        appointment=appointment,
        choice=services.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(14)),
        by=employer_a,
    )
    assert moved.meeting_url == room and meetings.employer_link(moved) == room
    cancelled = services.cancel_appointment(appointment=moved, by=employer_a)
    assert cancelled.meeting_url == "" and meetings.employer_link(cancelled) == ""
    assert Appointment.objects.get(pk=appointment.pk).meeting_url == ""


@pytest.fixture
def colleague(bookable):
    advisor = AdvisorFactory(home_service_point=bookable.point_a, knows=[bookable.topic])
    open_weekdays(advisor)
    return advisor


def test_a_reassignment_keeps_the_room(bookable, employer_a, colleague, manager):
    appointment = book(bookable, employer_a)
    room = appointment.meeting_url
    moved = services.reassign_appointment(appointment=appointment, to_advisor=colleague, by=manager)
    assert moved.meeting_url == room


def test_with_fixed_links_a_reassignment_gives_the_new_advisers_link(
    bookable, employer_a, colleague, manager, fixed
):
    bookable.advisor_a.meeting_link = "https://teams.example.com/l/meetup-join/julie"
    bookable.advisor_a.save()
    colleague.meeting_link = "https://zoom.example.com/j/123456789"
    colleague.save()
    appointment = book(bookable, employer_a)
    assert appointment.meeting_url == "https://teams.example.com/l/meetup-join/julie"
    moved = services.reassign_appointment(appointment=appointment, to_advisor=colleague, by=manager)
    assert moved.meeting_url == "https://zoom.example.com/j/123456789"


# Where the link is shown ------------------------------------------------------------------------


def test_the_confirmation_email_and_its_ics_carry_the_employers_link(bookable, employer_a, with_tokens):
    appointment = book(bookable, employer_a)
    (message,) = mail.outbox
    link = meetings.employer_link(appointment)
    assert token_of(link)["moderator"] is False
    assert link in message.body and link.replace("&", "&amp;") in message.alternatives[0][0]
    (ics,) = [content for name, content, _type in message.attachments if name.endswith(".ics")]
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["location"]) == link and link in str(event["description"])
    conference = event["conference"]
    assert str(conference) == link and conference.params["FEATURE"] == "VIDEO"


def test_the_reminder_carries_the_link(bookable, employer_a):
    appointment = book(bookable, employer_a)
    reminder = Reminder.objects.filter(appointment=appointment).first()
    message = reminders.reminder_message(reminder)
    assert appointment.meeting_url in message.body
    assert f'href="{appointment.meeting_url}"' in message.alternatives[0][0]


def test_a_phone_reminder_has_no_meeting_line(bookable, employer_a):
    appointment = book(bookable, employer_a, Mode.PHONE)
    message = reminders.reminder_message(Reminder.objects.filter(appointment=appointment).first())
    assert "réunion" not in message.body.lower()


def test_the_employers_page_shows_the_link_and_the_advisers_page_the_moderators(
    bookable, employer_a, advisor, client_for, with_tokens
):
    appointment = book(bookable, employer_a)
    page = client_for(employer_a).get(reverse("appointments:detail", kwargs={"uid": appointment.uid}))
    links = re.findall(r'href="([^"]*\?jwt=[^"]*)"', page.content.decode())
    assert len(links) == 1 and token_of(links[0].replace("&amp;", "&"))["moderator"] is False
    assert "Rejoindre la réunion" in page.content.decode()
    panel = client_for(advisor).get(reverse("advisors:appointment", kwargs={"uid": appointment.uid}))
    (adviser_link,) = set(re.findall(r'href="([^"]*\?jwt=[^"]*)"', panel.content.decode()))
    assert token_of(adviser_link.replace("&amp;", "&"))["moderator"] is True


def test_another_company_never_sees_the_link(bookable, employer_a, employer_b, client_for):
    appointment = book(bookable, employer_a)
    response = client_for(employer_b).get(reverse("appointments:detail", kwargs={"uid": appointment.uid}))
    assert response.status_code == 404 and appointment.meeting_url not in response.content.decode()


def test_the_advisers_calendar_feed_does_not_carry_the_room(bookable, employer_a):
    appointment = book(bookable, employer_a)
    room_name = appointment.meeting_url.rsplit("/", 1)[1]
    assert room_name not in feed_calendar(bookable.advisor_a).decode()


def test_the_api_gives_the_employer_their_link(bookable, employer_a, employer_b):
    appointment = book(bookable, employer_a)
    data = bearer(employer_a).get(f"/api/v1/appointments/{appointment.uid}/").json()
    assert data["meeting_url"] == appointment.meeting_url
    assert bearer(employer_b).get(f"/api/v1/appointments/{appointment.uid}/").status_code == 404


# Fixed links ------------------------------------------------------------------------------------


def test_with_fixed_links_an_adviser_without_one_is_asked_for_it(
    bookable, employer_a, advisor, client_for, fixed
):
    appointment = book(bookable, employer_a)
    assert appointment.meeting_url == ""
    page = client_for(employer_a).get(reverse("appointments:detail", kwargs={"uid": appointment.uid}))
    assert "vous enverra le lien" in page.content.decode()
    panel = client_for(advisor).get(reverse("advisors:appointment", kwargs={"uid": appointment.uid})).content
    assert reverse("advisors:availability") in panel.decode()
    availability = client_for(advisor).get(reverse("advisors:availability")).content.decode()
    assert 'name="meeting-meeting_link"' in availability


def test_saving_a_fixed_link_gives_it_to_upcoming_video_appointments(
    bookable, employer_a, advisor, client_for, fixed
):
    appointment = book(bookable, employer_a)
    response = client_for(advisor).post(
        reverse("advisors:meeting_link"), {"meeting-meeting_link": "https://teams.example.com/l/julie"}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (
        Advisor.objects.get(user=advisor).meeting_link
        == appointment.meeting_url
        == "https://teams.example.com/l/julie"
    )


@pytest.mark.parametrize(
    "bad", ["http://teams.example.com/l/julie", "javascript:alert(1)", "pas un lien", "https://" + "a" * 300]
)
def test_a_bad_fixed_link_gets_a_form_error_and_changes_nothing(advisor, client_for, fixed, bad):
    response = client_for(advisor).post(reverse("advisors:meeting_link"), {"meeting-meeting_link": bad})
    assert response.status_code == 400
    assert 'class="field__error"' in response.content.decode()
    assert Advisor.objects.get(user=advisor).meeting_link == ""


def test_the_fixed_link_form_is_refused_when_rooms_are_made_per_appointment(advisor, client_for):
    response = client_for(advisor).post(
        reverse("advisors:meeting_link"), {"meeting-meeting_link": "https://teams.example.com/l/julie"}
    )
    assert response.status_code == 400 and "Ici, un lien de réunion est créé" in response.content.decode()
    assert Advisor.objects.get(user=advisor).meeting_link == ""


def test_the_backfill_gives_old_video_appointments_a_room(bookable, employer_a):
    appointment = book(bookable, employer_a)
    Appointment.objects.filter(pk=appointment.pk).update(meeting_url="")
    assert meetings.fill_missing_rooms() == 1
    appointment.refresh_from_db()
    assert ROOM.match(appointment.meeting_url)
    assert meetings.fill_missing_rooms() == 0
