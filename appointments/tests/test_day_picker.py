"""The booking page's step 2, a date-first picker: the fortnight's days with their free times
counted, then the times of the chosen day per adviser and place; plain links without JavaScript,
the picker alone for htmx; the empty state, the place shown per mode, and the topic's limit said up
front."""

import html
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisors.models import AvailabilityException, TimeOff
from appointments import selectors
from appointments.models import Appointment, Mode
from tests.booking_helpers import book, local, search_params, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

TUESDAY = tuesday(0).date()  # 24 November 2026, the first bookable day (NOW is Monday 23, 10:00)


class Links(HTMLParser):
    """The page's links: attributes and visible text (aria-hidden parts included)."""

    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            link = dict(attrs) | {"text": ""}
            self.links.append(link)
            self._open.append(link)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data):
        for link in self._open:
            link["text"] += data

    @classmethod
    def of(cls, response) -> list[dict]:
        parser = cls()
        parser.feed(response.content.decode())
        return parser.links


def text(link: dict) -> str:
    return " ".join(link["text"].split())


def day_links(response) -> dict[str, dict]:
    return {link["id"][4:]: link for link in Links.of(response) if link.get("id", "").startswith("day-")}


def time_links(response) -> list[dict]:
    return [link for link in Links.of(response) if "slot" in link.get("class", "").split()]


def slots_page(client, network, **params):
    return client.get(reverse("appointments:slots"), search_params(network, **params))


def close_day(advisor, day):
    AvailabilityException.objects.create(
        advisor=advisor,
        date=day,
        kind=AvailabilityException.Kind.CLOSED,
        start_time=local(day, 0).time(),
        end_time=local(day, 23, 59).time(),
    )


def test_the_day_grid_shows_only_days_with_free_times_and_their_counts(client_for, employer_a, bookable):
    wednesday, thursday = TUESDAY + timedelta(days=1), TUESDAY + timedelta(days=2)
    book(bookable, employer_a, local(wednesday, 10, 30))
    for advisor in (bookable.advisor_a, bookable.advisor_b):
        close_day(advisor, thursday)

    response = slots_page(client_for(employer_a), bookable)

    assert response.status_code == 200
    picker = response.context["picker"]
    # Two weeks from Tuesday, Monday to Friday: no weekend, the first week starts on column 2.
    assert [d.day for d in picker.days] == [
        TUESDAY + timedelta(days=n) for n in range(14) if (TUESDAY + timedelta(days=n)).weekday() < 5
    ]
    assert (picker.columns, picker.first_column) == (5, 2)
    counts = {d.day: d.count for d in picker.days}
    # Tuesday: 10:30, 13:00, 14:00, 15:00 (one business day of notice) for each of the two advisers;
    # a full day is 6 each; Wednesday lost 10:30 to the booking; Thursday is closed.
    assert counts[TUESDAY] == 8
    assert counts[wednesday] == 11
    assert counts[thursday] == 0
    assert counts[TUESDAY + timedelta(days=3)] == 12
    assert picker.total == sum(counts.values())

    days = day_links(response)
    assert thursday.isoformat() not in days, "a day without free time is not a link"
    assert text(days[wednesday.isoformat()]).endswith("mercredi 25 novembre, 11 heures libres")
    page = html.unescape(response.content.decode())
    assert "jeudi 26 novembre, aucune heure libre" in page
    # The first day with free times is chosen, and says so.
    assert picker.chosen == TUESDAY
    assert days[TUESDAY.isoformat()].get("aria-current") == "true"
    assert all("aria-current" not in link for day, link in days.items() if day != TUESDAY.isoformat())


def test_choosing_a_day_lists_that_days_times_per_adviser_and_place(client_for, employer_a, bookable):
    friday = TUESDAY + timedelta(days=3)
    client = client_for(employer_a)
    first = slots_page(client, bookable)
    response = client.get(day_links(first)[friday.isoformat()]["href"].split("#")[0])

    picker = response.context["picker"]
    assert picker.chosen == friday
    assert [(group.advisor, group.service_point) for group, _slots in picker.groups] == [
        (bookable.advisor_a, bookable.point_a),
        (bookable.advisor_b, bookable.point_b),
    ]
    assert day_links(response)[friday.isoformat()].get("aria-current") == "true"
    times = time_links(response)
    assert len(times) == 12
    assert [text(link) for link in times[:6]] == [
        f"{t} – vendredi 27 novembre, {bookable.advisor_a}"
        for t in ("8 h 30", "9 h 30", "10 h 30", "13 h", "14 h", "15 h")
    ]
    assert all("at=2026-11-27T" in link["href"] for link in times)
    page = html.unescape(response.content.decode())
    assert "Heures libres le vendredi 27 novembre" in page
    assert bookable.point_a.host_office in page and "km" in page  # a meeting at a point: how far


def test_the_whole_flow_works_without_javascript(client_for, employer_a, bookable):
    """Links and query parameters only: search, a day, a time, back to the same day, confirm."""
    client = client_for(employer_a)
    search = client.get(
        reverse("appointments:book"),
        {"topic": bookable.topic.code, "mode": Mode.SERVICE_POINT, "municipality": "Trois-Rivières"},
    )
    assert search.status_code == 302
    first = client.get(search.url)
    friday = TUESDAY + timedelta(days=3)
    day = client.get(day_links(first)[friday.isoformat()]["href"])  # the fragment is not sent
    later = time_links(day)[1]  # 9:30 with adviser A
    confirm = client.get(html.unescape(later["href"]))
    assert confirm.status_code == 200
    assert confirm.context["slot"].start == local(friday, 9, 30)
    back = re.search(r'href="([^"]*)"[^>]*>Retour aux plages horaires', confirm.content.decode())
    assert back, "the confirm page links back to the times"
    again = client.get(html.unescape(back.group(1)))
    assert again.context["picker"].chosen == friday

    form = confirm.context["form"]
    booked = client.post(
        f"{reverse('appointments:confirm')}?{html.unescape(later['href']).split('?', 1)[1]}",
        {name: form[name].value() for name in ("advisor", "point", "at", "key")},
    )
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.advisor, appointment.starts_at) == (bookable.advisor_a, local(friday, 9, 30))


def test_htmx_gets_the_picker_alone_and_a_history_restore_the_whole_page(client_for, employer_a, bookable):
    client = client_for(employer_a)
    params = search_params(bookable, day=(TUESDAY + timedelta(days=1)).isoformat())
    partial = client.get(reverse("appointments:slots"), params, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200
    assert body.lstrip().startswith("{#") is False and 'id="slot-picker"' in body
    assert "<html" not in body and "<h1" not in body
    assert 'hx-target="this"' in body and 'hx-push-url="true"' in body
    restore = client.get(
        reverse("appointments:slots"),
        params,
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_choosing_a_day_costs_no_more_queries_than_the_first_page(client_for, employer_a, bookable):
    """The counts of every day come from the search's one pass over the calendars."""
    client = client_for(employer_a)
    slots_page(client, bookable)  # warm the caches
    with CaptureQueriesContext(connection) as first:
        slots_page(client, bookable)
    with CaptureQueriesContext(connection) as chosen:
        slots_page(client, bookable, day=(TUESDAY + timedelta(days=8)).isoformat())
    assert len(chosen) == len(first) <= 20
    # The calendars' one fresh query: appointments ∪ claims (the rest is the catalogue in memory).
    calendars = [q for q in first if "UNION ALL" in q["sql"] and '"appointments_appointment"' in q["sql"]]
    assert len(calendars) == 1, [q["sql"] for q in calendars]


def test_later_and_earlier_fortnights(client_for, employer_a, bookable):
    client = client_for(employer_a)
    first = slots_page(client, bookable).context["picker"]
    assert first.previous_start is None  # nothing before the first bookable day
    later = slots_page(client, bookable, start=first.next_start.isoformat()).context["picker"]
    assert later.days[0].day == TUESDAY + timedelta(days=14)
    assert later.chosen == later.days[0].day
    assert later.previous_start == TUESDAY


def test_empty_weeks_are_skipped_to_the_first_free_day(client_for, employer_a, bookable):
    free_from = TUESDAY + timedelta(days=20)  # Monday 14 December
    for advisor in (bookable.advisor_a, bookable.advisor_b):
        TimeOff.objects.create(advisor=advisor, starts_at=local(TUESDAY, 0), ends_at=local(free_from, 0))

    response = slots_page(client_for(employer_a), bookable)

    picker = response.context["picker"]
    assert picker.days[0].day == picker.chosen == free_from
    assert picker.previous_start is None  # the days before are known to be empty
    assert "Aucune heure libre du mardi 24 novembre" in html.unescape(response.content.decode())


def test_with_no_free_time_at_all_the_page_offers_a_request_and_the_waitlist(client_for, employer_a, network):
    response = slots_page(client_for(employer_a), network)  # nobody has opening hours

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert response.context["picker"].chosen is None
    assert "Aucune heure libre" in page
    assert "jusqu’au" in page and "dernier jour où vous pouvez réserver" in page
    assert "Aucune de ces heures ne vous convient" not in page
    assert "Autres dates" not in page and "Jours suivants" not in page
    assert 'id="slot-picker"' not in page
    hrefs = [link["href"] for link in Links.of(response)]
    query = urlencode({"topic": network.topic.code, "mode": Mode.SERVICE_POINT})
    assert f"{reverse('appointments:request_new')}?{query}" in hrefs
    assert f"{reverse('appointments:waitlist_join')}?{query}" in hrefs


@pytest.mark.parametrize("mode", [Mode.PHONE, Mode.VIDEO])
def test_no_distance_is_shown_for_a_call(client_for, employer_a, bookable, mode):
    response = slots_page(client_for(employer_a), bookable, mode=mode)

    assert response.context["picker"].groups
    times = html.unescape(response.content.decode()).split('id="day-times"')[1]
    assert "km" not in times
    assert {Mode.PHONE: "Par téléphone", Mode.VIDEO: "Par visioconférence"}[mode] in times


def test_a_visit_shows_the_companys_address_not_an_office(client_for, employer_a, bookable):
    company = employer_a.employer_profile.company
    bookable.advisor_b.travel_radius_km = 500
    bookable.advisor_b.save()
    response = slots_page(client_for(employer_a), bookable, mode=Mode.PREMISES)

    assert [group.advisor for group, _slots in response.context["picker"].groups] == [
        bookable.advisor_a,
        bookable.advisor_b,
    ]
    times = html.unescape(response.content.decode()).split('id="day-times"')[1]
    address = f"{company.street_address}, Trois-Rivières (Québec) {company.postal_code}"
    assert times.count(f"La rencontre a lieu à votre entreprise\xa0: {address}.") == 1
    assert bookable.point_a.host_office not in times and bookable.point_b.host_office not in times
    # Where each adviser leaves from; a distance only when it is one.
    assert "Se déplace depuis Trois-Rivières." in times
    assert re.search(r"Se déplace depuis Montréal \(1\d\d\xa0km à vol d’oiseau\)\.", times)


def test_a_visit_searched_from_elsewhere_does_not_show_the_companys_street(client_for, employer_a, bookable):
    bookable.advisor_b.travel_radius_km = 500
    bookable.advisor_b.save()
    response = slots_page(client_for(employer_a), bookable, mode=Mode.PREMISES, municipality="Montréal")

    times = html.unescape(response.content.decode()).split('id="day-times"')[1]
    assert "La rencontre a lieu à votre entreprise\xa0: Montréal." in times
    assert employer_a.employer_profile.company.street_address not in times


def test_a_point_in_the_same_town_is_less_than_a_kilometre_away(client_for, employer_a, bookable):
    times = html.unescape(slots_page(client_for(employer_a), bookable).content.decode())
    assert "moins de 1\xa0km" in times and "0 km" not in times


def test_the_topics_limit_is_said_up_front_with_the_appointments_that_count(client_for, employer_a, bookable):
    bookable.topic.max_upcoming_per_company = 2
    bookable.topic.save()
    first = book(bookable, employer_a, tuesday(10, 30))
    client = client_for(employer_a)

    one = slots_page(client, bookable)
    page = html.unescape(one.content.decode())
    assert "Votre entreprise a déjà 1 rendez-vous à venir sur ce sujet; une entreprise peut en avoir" in page
    assert "au plus 2 à la fois\xa0:" in page
    assert reverse("appointments:detail", args=[first.uid]) in page
    assert one.context["picker"].groups, "below the limit, times are offered"

    second = book(bookable, employer_a, tuesday(13, 0))
    full = slots_page(client, bookable)
    page = html.unescape(full.content.decode())
    assert full.context["at_limit"] and full.context["picker"] is None
    assert "Vous ne pouvez pas réserver un autre rendez-vous sur ce sujet pour le moment" in page
    assert "Votre entreprise a déjà 2 rendez-vous à venir sur ce sujet" in page
    for appointment in (first, second):
        assert reverse("appointments:detail", args=[appointment.uid]) in page
    assert not time_links(full), "no time is offered that the last step would refuse"
    assert "Aucune heure libre" not in page


def test_a_cancelled_or_past_appointment_does_not_count(client_for, employer_a, bookable):
    bookable.topic.max_upcoming_per_company = 1
    bookable.topic.save()
    appointment = book(bookable, employer_a, tuesday(10, 30))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    assert not selectors.upcoming_on_topic(employer_a.employer_profile.company, bookable.topic)
    response = slots_page(client_for(employer_a), bookable)
    assert not response.context["upcoming_on_topic"] and response.context["picker"].groups


def test_a_time_taken_meanwhile_shows_that_days_remaining_times(client_for, employer_a, employer_b, bookable):
    from tests.booking_helpers import book_via_web

    friday = TUESDAY + timedelta(days=3)
    book(bookable, employer_b, local(friday, 9, 30))
    response = book_via_web(client_for(employer_a), bookable, local(friday, 9, 30))

    assert response.status_code == 409
    picker = response.context["picker"]
    assert picker.chosen == friday
    (times_of_a,) = [slots for group, slots in picker.groups if group.advisor == bookable.advisor_a]
    assert times_of_a and local(friday, 9, 30) not in [slot.start for slot in times_of_a]


def test_a_bad_day_is_a_clear_400(client_for, employer_a, bookable):
    response = slots_page(client_for(employer_a), bookable, day="2026-02-30")
    assert response.status_code == 400
