"""Joining the waitlist first shows the free times that already fit what the company asks for
(topic, mode, place, distance, days, time of day, last day): it books one at once, or joins
anyway. With none, it joins straight away."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from appointments.models import Appointment, Mode
from core.business_hours import local_zone
from tests.booking_helpers import local_datetime
from tests.factories import MunicipalityFactory
from waitlist import selectors
from waitlist.models import WaitlistEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/rendez-vous/liste-attente/inscription/"


def form(network, **extra):
    return {
        "topic": network.topic.code,
        "mode": Mode.SERVICE_POINT,
        "municipality": "Trois-Rivières",
        "max_distance_km": "50",
        "weekdays": ["3"],  # Thursdays
        "time_of_day": "morning",
        **extra,
    }


def offered_times(response) -> list[str]:
    """The confirm links of the free-times page."""
    page = response.content.decode()
    return [unescape(href) for href in re.findall(r'href="(/rendez-vous/reserver/confirmer/[^"]+)"', page)]


def test_the_url_is_the_join_page():
    with translation.override("fr-ca"):
        assert reverse("appointments:waitlist_join") == URL


def test_free_times_that_fit_come_first_and_one_is_booked_directly(bookable, client_for, employer_a):
    client = client_for(employer_a)
    response = client.post(URL, form(bookable))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ces heures sont libres maintenant" in page
    assert "Inscrivez-vous quand même à la liste d’attente" in page
    assert not WaitlistEntry.objects.exists()  # not in line yet
    groups = response.context["groups"]
    assert [g.advisor for g in groups] == [bookable.advisor_a]  # B is 130 km away, 50 at most
    starts = [slot.start.astimezone(local_zone()) for g in groups for _day, slots in g.days for slot in slots]
    assert starts and all(s.weekday() == 3 and s.hour < 12 for s in starts)
    assert starts[0] == local_datetime(2026, 11, 26, 8, 30)  # Thursday morning, first free time
    links = offered_times(response)
    assert len(links) == len(starts)

    # The first time: the booking flow's confirm step, then booked.
    confirm = client.get(links[0])
    assert confirm.status_code == 200
    query = {k: v[0] for k, v in parse_qs(urlsplit(links[0]).query).items()}
    booked = client.post(links[0], {"advisor": query["advisor"], "point": query["point"], "at": query["at"]})
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.company == employer_a.employer_profile.company
    assert appointment.starts_at == local_datetime(2026, 11, 26, 8, 30)
    assert not WaitlistEntry.objects.exists()


def test_the_company_can_still_join_with_what_it_asked_for(bookable, client_for, employer_a):
    client = client_for(employer_a)
    data = form(bookable, mode=Mode.PHONE, phone="819 555-0101", until="2027-01-15")
    shown = client.post(URL, data)
    assert shown.status_code == 200 and shown.context["groups"]
    # The page carries the request in hidden fields, and its button joins with them.
    page = shown.content.decode()
    assert 'name="join_anyway"' in page
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert hidden["max_distance_km"] == "50" and hidden["until"] == "2027-01-15"

    joined = client.post(URL, {**data, "join_anyway": "1"})
    assert joined.status_code == 302 and joined.url == reverse("appointments:waitlist")
    entry = WaitlistEntry.objects.get()
    assert (entry.mode, entry.weekdays, entry.time_of_day) == (Mode.PHONE, [3], "morning")
    assert entry.contact_phone == "+18195550101" and str(entry.until) == "2027-01-15"
    # Asking again: already in line, said at once (no free times in between).
    again = client.post(URL, data)
    assert again.status_code == 409 and "déjà sur la liste d’attente" in again.content.decode()


@pytest.mark.parametrize(
    "asked",
    [
        {"until": "2026-11-23"},  # today: one business day of notice leaves no time before
        {"municipality": "Shawinigan", "max_distance_km": "5"},  # 30 km from the nearest point
        {"weekdays": ["0"], "until": "2026-11-25"},  # Mondays until Wednesday: none
    ],
    ids=["last-day-too-soon", "too-far", "no-such-day"],
)
def test_without_a_free_time_that_fits_it_joins_straight_away(bookable, client_for, employer_a, asked):
    MunicipalityFactory(
        name="Shawinigan", region=bookable.municipality_a.region, latitude=46.56675, longitude=-72.74913
    )
    response = client_for(employer_a).post(URL, form(bookable, **asked))
    assert response.status_code == 302 and response.url == reverse("appointments:waitlist")
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.WAITING


def test_with_no_free_time_at_all_it_joins_straight_away(network, client_for, employer_a):
    # `network`: nobody has hours.
    response = client_for(employer_a).post(URL, form(network))
    assert response.status_code == 302
    assert WaitlistEntry.objects.count() == 1


def test_the_free_times_are_those_of_the_booking_search_narrowed(bookable):
    """Afternoons only, Tuesdays or Fridays: what the booking search finds, nothing else."""
    groups = selectors.free_times_now(
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        municipality=bookable.municipality_a,
        max_distance_km=1000,
        weekdays=[1, 4],
        time_of_day="afternoon",
    )
    assert {g.advisor for g in groups} == {bookable.advisor_a, bookable.advisor_b}
    for group in groups:
        assert len(group.days) == selectors.FREE_NOW_DAYS_PER_GROUP
        for day, slots in group.days:
            assert day.weekday() in (1, 4)
            assert all(s.start.astimezone(local_zone()).hour >= 12 for s in slots)
    assert [day for day, _slots in groups[0].days] == [
        local_datetime(2026, 11, 24, 0).date(),
        local_datetime(2026, 11, 27, 0).date(),
        local_datetime(2026, 12, 1, 0).date(),
    ]
