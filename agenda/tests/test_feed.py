"""The adviser's personal calendar feed: a secret URL any calendar client can subscribe to."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from advisors.models import Advisor, TimeOff
from agenda import feed
from appointments import services
from appointments.models import Appointment, Mode
from tests import factories
from tests.booking_helpers import NOW, book, open_weekdays, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# What the employer told us about themselves: none of it may reach the adviser's feed.
PRIVATE = {
    "first_name": "Gisèle",
    "last_name": "Tartempion-Bélanger",
    "email": "gisele.tartempion@example.org",
    "phone": "819-555-0199",
    "message": "Appelez-moi sur mon cellulaire personnel",
    "street": "77, rang du Ruisseau-Caché",
}


@pytest.fixture
def employer(network):
    profile = factories.EmployerProfileFactory(
        user__first_name=PRIVATE["first_name"],
        user__last_name=PRIVATE["last_name"],
        user__email=PRIVATE["email"],
        phone=PRIVATE["phone"],
        company__legal_name="Usinage Mauricie inc.",
        company__street_address=PRIVATE["street"],
        company__municipality=network.municipality_a,
    )
    return profile.user


def make_appointment(network, employer, starts_at, *, advisor=None, minutes=60, **fields):
    values = {
        "advisor": advisor or network.advisor_a,
        "topic": network.topic,
        "mode": Mode.SERVICE_POINT,
        "service_point": (advisor or network.advisor_a).home_service_point,
        "company": employer.employer_profile.company,
        "booked_by": employer,
        "municipality": network.municipality_a,
        "message": PRIVATE["message"],
    }
    values.update(fields)
    return Appointment.objects.create(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), **values
    )


def feed_url(advisor: Advisor) -> str:
    return reverse("advisor_feed", kwargs={"token": feed.ensure_feed_token(advisor)})


def parse(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def unfolded(content: bytes) -> str:
    """The feed as text, long lines joined and escapes removed, so a search cannot miss."""
    return content.replace(b"\r\n ", b"").decode().replace("\\,", ",").replace("\\;", ";")


# The feed itself -------------------------------------------------------------------------------


def test_it_is_valid_icalendar_with_the_advisers_name_and_timezone(client, network, employer):
    appointment = make_appointment(network, employer, tuesday(10, 30))
    response = client.get(feed_url(network.advisor_a))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Cache-Control"] == "private, max-age=300"
    calendar = parse(response.content)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"]) and str(calendar["X-WR-TIMEZONE"]) == "America/Toronto"
    assert str(network.advisor_a) in str(calendar["X-WR-CALNAME"])
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == tuesday(10, 30).astimezone(UTC)
    assert event.decoded("DTEND") == tuesday(11, 30).astimezone(UTC)
    assert b"DTSTART:20261124T153000Z" in response.content  # 10:30 EST, written in UTC
    # Clients that honour them poll every 15 minutes.
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT15M" in response.content
    assert b"X-PUBLISHED-TTL:PT15M" in response.content
    assert str(event["SUMMARY"]) == "Immigration temporaire – Usinage Mauricie inc."
    assert "Trois-Rivières" in str(event["LOCATION"]) and "100, rue Principale" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("LAST-MODIFIED") == appointment.updated_at.astimezone(UTC).replace(microsecond=0)
    assert "DTSTAMP" in event


def test_it_answers_head_and_refuses_other_methods(client, network):
    url = feed_url(network.advisor_a)
    assert client.head(url).status_code == 200
    for method in (client.post, client.put, client.delete):
        assert method(url).status_code == 405


def test_it_uses_the_same_uid_and_sequence_as_the_employers_ics(
    client, network, employer, django_capture_on_commit_callbacks
):
    open_weekdays(network.advisor_a)
    with django_capture_on_commit_callbacks(execute=True):
        kept = book(network, employer)
        services.reschedule_appointment(
            appointment=kept,
            choice=services.SlotChoice(network.advisor_a.pk, network.point_a.pk, tuesday(14, 0)),
            by=employer,
        )
    employer_ics = events(parse(mail.outbox[-1].attachments[0][1]))

    feed_events = events(parse(client.get(feed_url(network.advisor_a)).content))

    assert feed_events.keys() == employer_ics.keys() == {f"{kept.uid}@midi-regions"}
    uid = f"{kept.uid}@midi-regions"
    assert int(feed_events[uid]["SEQUENCE"]) == int(employer_ics[uid]["SEQUENCE"]) == 1
    assert feed_events[uid].decoded("DTSTART") == employer_ics[uid].decoded("DTSTART")


def test_a_cancelled_appointment_stays_in_the_feed_as_cancelled(
    client, network, employer, django_capture_on_commit_callbacks
):
    appointment = make_appointment(network, employer, tuesday(10, 30))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, by=employer, reason="Plus nécessaire")
    employer_event = parse(mail.outbox[-1].attachments[0][1]).walk("VEVENT")[0]

    (event,) = parse(client.get(feed_url(network.advisor_a)).content).walk("VEVENT")

    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(employer_event["UID"])
    assert int(event["SEQUENCE"]) == int(employer_event["SEQUENCE"]) == 1
    assert "Plus nécessaire" not in unfolded(client.get(feed_url(network.advisor_a)).content)


def test_completed_and_missed_appointments_are_listed_with_their_outcome(client, network, employer):
    yesterday = NOW - timedelta(hours=20)
    make_appointment(network, employer, yesterday, status=Appointment.Status.COMPLETED)
    make_appointment(network, employer, yesterday + timedelta(hours=2), status=Appointment.Status.NO_SHOW)

    calendar = parse(client.get(feed_url(network.advisor_a)).content)

    assert [str(e["STATUS"]) for e in calendar.walk("VEVENT")] == ["CONFIRMED", "CONFIRMED"]
    descriptions = [str(e["DESCRIPTION"]) for e in calendar.walk("VEVENT")]
    assert "Terminé" in descriptions[0]  # Appointment.Status.COMPLETED in French


def test_it_covers_yesterday_to_90_days_ahead(client, network, employer):
    too_old = make_appointment(network, employer, NOW - timedelta(days=1, hours=1))
    yesterday = make_appointment(network, employer, NOW - timedelta(hours=23))
    day_89 = make_appointment(network, employer, NOW + timedelta(days=89))
    day_91 = make_appointment(network, employer, NOW + timedelta(days=91))

    uids = events(parse(client.get(feed_url(network.advisor_a)).content)).keys()

    assert uids == {f"{yesterday.uid}@midi-regions", f"{day_89.uid}@midi-regions"}
    assert f"{too_old.uid}@midi-regions" not in uids and f"{day_91.uid}@midi-regions" not in uids


def test_times_are_right_in_utc_across_the_daylight_saving_change(client, network, employer):
    # 2027-03-14 is in Eastern Daylight Time (UTC−4), 2027-03-05 still in Standard Time (UTC−5).
    toronto = ZoneInfo("America/Toronto")
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=toronto), tick=False):
        before = make_appointment(network, employer, datetime(2027, 3, 5, 10, 0, tzinfo=toronto))
        after = make_appointment(network, employer, datetime(2027, 3, 16, 10, 0, tzinfo=toronto))
        found = events(parse(client.get(feed_url(network.advisor_a)).content))

    assert found[f"{before.uid}@midi-regions"].decoded("DTSTART") == datetime(2027, 3, 5, 15, 0, tzinfo=UTC)
    assert found[f"{after.uid}@midi-regions"].decoded("DTSTART") == datetime(2027, 3, 16, 14, 0, tzinfo=UTC)
    assert found[f"{after.uid}@midi-regions"].decoded("DTEND") == datetime(2027, 3, 16, 15, 0, tzinfo=UTC)


def test_it_holds_no_personal_data_of_the_employer(client, network, employer):
    make_appointment(network, employer, tuesday(9, 0))
    make_appointment(network, employer, tuesday(13, 0), mode=Mode.PREMISES, service_point=None)
    make_appointment(network, employer, tuesday(15, 0), mode=Mode.PHONE, service_point=None)
    make_appointment(network, employer, tuesday(16, 30), mode=Mode.VIDEO, service_point=None)

    content = client.get(feed_url(network.advisor_a)).content
    text = unfolded(content).lower()

    assert len(parse(content).walk("VEVENT")) == 4
    for value in PRIVATE.values():
        assert value.lower() not in text, value
    assert "usinage mauricie inc." in text  # the company's legal name is what the adviser needs
    premises = next(
        e for e in parse(content).walk("VEVENT") if e.decoded("DTSTART") == tuesday(13, 0).astimezone(UTC)
    )
    assert str(premises["LOCATION"]) == "Usinage Mauricie inc., Trois-Rivières"


def test_time_off_shows_as_busy_without_its_reason(client, network):
    TimeOff.objects.create(
        advisor=network.advisor_a,
        starts_at=tuesday(8, 0),
        ends_at=tuesday(17, 0),
        reason="Rendez-vous médical",
    )
    TimeOff.objects.create(advisor=network.advisor_b, starts_at=tuesday(8, 0), ends_at=tuesday(17, 0))

    content = client.get(feed_url(network.advisor_a)).content
    (event,) = parse(content).walk("VEVENT")

    assert str(event["TRANSP"]) == "OPAQUE"
    assert str(event["SUMMARY"]) in {"Absent", "Absente", "Absent(e)"}
    assert event.decoded("DTSTART") == tuesday(8, 0).astimezone(UTC)
    assert "médical" not in unfolded(content)


def test_it_links_to_the_advisers_appointment_page_when_there_is_one(network, employer):
    appointment = make_appointment(network, employer, tuesday(10, 30))
    advisor = Advisor.objects.select_related("user").get(pk=network.advisor_a.pk)

    (event,) = parse(feed.feed_calendar(advisor)).walk("VEVENT")

    description = str(event["DESCRIPTION"])
    try:
        path = reverse("advisors:appointment", kwargs={"uid": appointment.uid})
    except NoReverseMatch:  # the page is not there yet: the feed simply has no link
        assert "URL" not in event
    else:
        assert path in description and path in str(event["URL"])


# Who gets which feed ---------------------------------------------------------------------------


def test_each_token_opens_only_its_own_advisers_calendar(client, network, employer):
    mine = make_appointment(network, employer, tuesday(10, 0))
    theirs = make_appointment(network, employer, tuesday(10, 0), advisor=network.advisor_b)

    a_uids = events(parse(client.get(feed_url(network.advisor_a)).content)).keys()
    b_uids = events(parse(client.get(feed_url(network.advisor_b)).content)).keys()

    assert a_uids == {f"{mine.uid}@midi-regions"}
    assert b_uids == {f"{theirs.uid}@midi-regions"}
    assert network.advisor_a.feed_token != network.advisor_b.feed_token


@pytest.mark.parametrize("persona", ["anonymous", "employer_a", "other_advisor", "advisor"])
def test_an_unknown_token_is_a_404_whoever_asks(request, client_for, network, persona):
    feed.ensure_feed_token(network.advisor_a)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_for(user)

    assert client.get(reverse("advisor_feed", kwargs={"token": "x" * 43})).status_code == 404
    assert client.get(f"/calendrier/{network.advisor_a.feed_token[:-1]}.ics").status_code == 404
    # The route is not language-prefixed: an English prefix is no other door.
    assert client.get(f"/en/calendrier/{network.advisor_a.feed_token}.ics").status_code == 404


def test_the_feed_url_is_stable_and_not_language_prefixed(network):
    token = feed.ensure_feed_token(network.advisor_a)
    assert reverse("advisor_feed", kwargs={"token": token}) == f"/calendrier/{token}.ics"
    assert feed.ensure_feed_token(network.advisor_a) == token
    assert Advisor.objects.get(pk=network.advisor_a.pk).feed_token == token
    assert len(token) >= 43


def test_a_deactivated_adviser_has_no_feed(client, network):
    url = feed_url(network.advisor_a)
    Advisor.objects.filter(pk=network.advisor_a.pk).update(is_active=False)
    assert client.get(url).status_code == 404


# The adviser's page and the new address ---------------------------------------------------------


def test_the_adviser_page_shows_the_full_subscription_address(client_for, advisor, other_advisor, network):
    html = client_for(advisor).get(reverse("advisors:me")).content.decode()

    token = Advisor.objects.get(pk=network.advisor_a.pk).feed_token
    assert token and f"{settings.SITE_URL}/calendrier/{token}.ics" in html
    assert reverse("advisors:regenerate_feed") in html and "csrfmiddlewaretoken" in html

    client = client_for(other_advisor)
    other_html = client.get(reverse("advisors:me")).content.decode()
    assert token not in other_html


def test_a_new_address_kills_the_old_one(client_for, advisor, network):
    old_url = feed_url(network.advisor_a)
    client = client_for(advisor)

    response = client.post(reverse("advisors:regenerate_feed"), follow=True)

    assert response.redirect_chain == [(reverse("advisors:me"), 302)]
    assert [m.level for m in response.context["messages"]] == [message_levels.SUCCESS]
    new_url = feed_url(Advisor.objects.get(pk=network.advisor_a.pk))
    assert new_url != old_url and new_url in response.content.decode()
    anonymous = Client()
    assert anonymous.get(old_url).status_code == 404
    assert anonymous.get(new_url).status_code == 200


def test_a_new_address_changes_only_the_requesting_advisers(client_for, other_advisor, network):
    a_token = feed.ensure_feed_token(network.advisor_a)
    b_token = feed.ensure_feed_token(network.advisor_b)

    assert client_for(other_advisor).post(reverse("advisors:regenerate_feed")).status_code == 302

    assert Advisor.objects.get(pk=network.advisor_a.pk).feed_token == a_token
    assert Advisor.objects.get(pk=network.advisor_b.pk).feed_token != b_token


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("employer_a", 403), ("manager", 403), ("administrator", 403)],
)
def test_only_an_adviser_may_ask_for_a_new_address(request, client_for, network, persona, expected):
    token = feed.ensure_feed_token(network.advisor_a)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)

    response = client_for(user).post(reverse("advisors:regenerate_feed"))

    assert response.status_code == expected
    if persona == "anonymous":
        assert response.url.startswith(reverse("account_login"))
    assert Advisor.objects.get(pk=network.advisor_a.pk).feed_token == token


def test_a_new_address_needs_a_post_with_the_csrf_token(advisor, network):
    token = feed.ensure_feed_token(network.advisor_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(advisor)

    assert client.get(reverse("advisors:regenerate_feed")).status_code == 405
    assert client.post(reverse("advisors:regenerate_feed")).status_code == 403
    assert Advisor.objects.get(pk=network.advisor_a.pk).feed_token == token


def test_regenerate_and_ensure_in_the_service(network):
    advisor = network.advisor_a
    first = feed.ensure_feed_token(advisor)
    second = feed.regenerate_feed_token(advisor)

    assert first != second and advisor.feed_token == second
    assert feed.advisor_for_token(first) is None
    assert feed.advisor_for_token(second) == advisor
    assert feed.advisor_for_token("") is None


def test_ensure_keeps_a_token_another_request_just_created(network):
    stale = Advisor.objects.get(pk=network.advisor_a.pk)  # loaded before the token existed
    token = feed.ensure_feed_token(network.advisor_a)

    assert feed.ensure_feed_token(stale) == token


# Cost ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 20])
def test_the_feed_costs_the_same_queries_whatever_the_number_of_appointments(
    client, network, employer, django_assert_max_num_queries, count
):
    for day in range(count):
        make_appointment(network, employer, tuesday(10, 0) + timedelta(days=day))
    month = timedelta(days=30)
    TimeOff.objects.create(
        advisor=network.advisor_a, starts_at=tuesday(8, 0) + month, ends_at=tuesday(17, 0) + month
    )
    url = feed_url(network.advisor_a)
    advisor = Advisor.objects.select_related("user").get(pk=network.advisor_a.pk)

    with django_assert_max_num_queries(2):
        content = feed.feed_calendar(advisor)
    with django_assert_max_num_queries(3):  # + finding the adviser by token
        response = client.get(url)

    assert len(parse(content).walk("VEVENT")) == count + 1
    assert response.status_code == 200 and len(parse(response.content).walk("VEVENT")) == count + 1


def test_the_feed_speaks_the_advisers_language(client, network, employer):
    make_appointment(network, employer, tuesday(10, 0), mode=Mode.PHONE, service_point=None)
    user = network.advisor_a.user
    user.language = "en"
    user.save(update_fields=["language"])

    (event,) = parse(client.get(feed_url(network.advisor_a), HTTP_ACCEPT_LANGUAGE="fr").content).walk(
        "VEVENT"
    )

    assert str(event["SUMMARY"]).startswith("Temporary immigration")
    assert str(event["LOCATION"]) == "By phone"
