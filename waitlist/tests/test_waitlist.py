"""The waitlist with offer-and-hold: a freed time goes to the first company in line whose
constraints it fits, held for it alone until it confirms or the hold lapses."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from appointments import services
from appointments.models import Appointment, Mode
from appointments.selectors import available_slots
from consultations.models import ConsultationRequest
from tests.booking_helpers import book, tuesday
from tests.factories import EmployerProfileFactory
from waitlist import services as waitlist
from waitlist.models import SlotHold, WaitlistEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def join(network, user, **extra):
    data = {
        "topic": network.topic,
        "mode": Mode.SERVICE_POINT,
        "municipality": network.municipality_a,
        "max_distance_km": 50,
        "language": "",
        "weekdays": [],
        "time_of_day": ConsultationRequest.TimeOfDay.ANY,
        "until": None,
        **extra,
    }
    return waitlist.join(company=user.employer_profile.company, user=user, data=waitlist.WaitlistData(**data))


def fill_tuesday(network, company):
    """Adviser A's Tuesday is fully booked (so a freed time there is the only free time that
    the entries below will accept: they ask for Tuesdays only)."""
    times = [tuesday(10, 30), tuesday(13), tuesday(14), tuesday(15)]
    return [
        Appointment.objects.create(
            advisor=network.advisor_a,
            topic=network.topic,
            mode=Mode.SERVICE_POINT,
            service_point=network.point_a,
            company=company,
            municipality=network.municipality_a,
            starts_at=at,
            ends_at=at + timedelta(hours=1),
        )
        for at in times
    ]


def employer(network):
    return EmployerProfileFactory(company__municipality=network.municipality_a).user


def offer_link(message) -> str:
    return re.search(r"https?://\S+/(?:offer|offre)/\S+/", message.body).group(0).split("testserver")[-1]


def test_a_cancelled_time_is_held_for_the_first_in_line_and_confirmed_by_link(bookable, settings):
    settings.SITE_URL = "http://testserver"
    filler = employer(bookable).employer_profile.company
    appointments = fill_tuesday(bookable, filler)
    first, second = employer(bookable), employer(bookable)
    entry_1 = join(bookable, first, weekdays=[1])
    entry_2 = join(bookable, second, weekdays=[1])
    assert (waitlist.position(entry_1), waitlist.position(entry_2)) == (1, 2)
    assert SlotHold.objects.count() == 0
    mail.outbox.clear()

    services.cancel_appointment(appointment=appointments[1], by=None, reason="Imprévu")

    (hold,) = SlotHold.objects.filter(status=SlotHold.Status.ACTIVE)
    assert hold.entry == entry_1 and hold.starts_at == tuesday(13)
    assert hold.expires_at == tuesday(0).replace(day=23, hour=12)  # now + 2 h
    entry_1.refresh_from_db()
    assert entry_1.status == WaitlistEntry.Status.OFFERED
    offer = next(m for m in mail.outbox if m.to == [first.email])
    assert "13 h" in offer.body and "13 h 00" not in offer.body

    # Held: nobody else sees it or can book it.
    search = available_slots(topic=bookable.topic, mode=Mode.SERVICE_POINT, location=bookable.municipality_a)
    shown = [
        s.start
        for g in search.groups
        for _d, slots in g.days
        for s in slots
        if g.advisor == bookable.advisor_a
    ]
    assert tuesday(13) not in shown
    with pytest.raises(services.BookingError) as taken:
        book(bookable, None, tuesday(13), company=second.employer_profile.company)
    assert taken.value.code == services.SLOT_TAKEN

    # The emailed link, without signing in: confirm.
    link = offer_link(offer)
    page = Client()
    assert page.get(link).status_code == 200
    response = page.post(link, {"action": "confirm"})
    assert response.status_code == 302
    appointment = Appointment.objects.get(starts_at=tuesday(13), status=Appointment.Status.CONFIRMED)
    assert appointment.company == first.employer_profile.company and appointment.booked_by == first
    entry_1.refresh_from_db()
    hold.refresh_from_db()
    assert entry_1.status == WaitlistEntry.Status.BOOKED and entry_1.appointment == appointment
    assert hold.status == SlotHold.Status.CONFIRMED
    assert waitlist.position(entry_2) == 1
    # The link now says so, and cannot book twice.
    assert page.post(link, {"action": "confirm"}).status_code == 410
    assert Appointment.objects.filter(starts_at=tuesday(13), status="confirmed").count() == 1


def test_declined_or_lapsed_offers_go_to_the_next_who_keeps_order(bookable, frozen_now, settings):
    # A short hold: a time is offered only if it can still be booked when the hold ends (one
    # business day of notice counted from then), and Tuesday 10:30 is so for holds that end by
    # Monday 10:30: three offers in a row, from 10:00, fit with 10-minute holds.
    settings.WAITLIST_HOLD_MINUTES = 10
    filler = employer(bookable).employer_profile.company
    appointments = fill_tuesday(bookable, filler)
    first, second, third = employer(bookable), employer(bookable), employer(bookable)
    entries = [join(bookable, user, weekdays=[1]) for user in (first, second, third)]

    # 10:30 (the adviser's 15-minute buffer after each meeting keeps 14:00 and 15:00 busy).
    services.cancel_appointment(appointment=appointments[0], by=None)
    hold = SlotHold.objects.get(status="active")
    assert hold.entry == entries[0]
    waitlist.decline(hold=hold)  # "Not this time": first keeps their place
    hold = SlotHold.objects.get(status="active")
    assert hold.entry == entries[1]

    # Second lets the hold lapse: within a minute of the expiry the beat task moves it on.
    frozen_now.shift(timedelta(minutes=settings.WAITLIST_HOLD_MINUTES - 1))
    assert waitlist.expire_holds() == 0
    frozen_now.shift(timedelta(minutes=1))
    assert waitlist.expire_holds() == 1
    hold = SlotHold.objects.get(status="active")
    assert hold.entry == entries[2]
    assert settings.CELERY_BEAT_SCHEDULE["expire-waitlist-holds"]["schedule"] <= 60
    for entry in entries:
        entry.refresh_from_db()
    assert [e.status for e in entries] == ["waiting", "waiting", "offered"]
    # Everyone passed on 10:30: nobody is offered it again.
    waitlist.decline(hold=hold)
    assert not SlotHold.objects.filter(status="active").exists()
    assert [waitlist.position(e) for e in entries] == [1, 2, 3]


@pytest.mark.parametrize(
    "constraints",
    [
        {"weekdays": [0, 2]},  # Monday or Wednesday only: the freed time is a Tuesday
        {"time_of_day": ConsultationRequest.TimeOfDay.MORNING},  # it is 13:00
        {"until": tuesday(0).date() - timedelta(days=1)},
        {"max_distance_km": 5, "municipality": "b"},  # a company 130 km away, 5 km at most
    ],
)
def test_a_time_that_does_not_fit_goes_to_the_next_that_does(bookable, constraints):
    if constraints.get("municipality") == "b":
        constraints = {**constraints, "municipality": bookable.municipality_b}
    appointments = fill_tuesday(bookable, employer(bookable).employer_profile.company)
    picky = join(bookable, employer(bookable), **{"weekdays": [1], **constraints})
    flexible = join(bookable, employer(bookable), weekdays=[1])
    services.cancel_appointment(appointment=appointments[1], by=None)
    assert SlotHold.objects.get(status="active").entry == flexible
    picky.refresh_from_db()
    assert picky.status == WaitlistEntry.Status.WAITING


def test_new_hours_are_offered_and_leaving_releases_the_hold(bookable, advisor):
    fill_tuesday(bookable, employer(bookable).employer_profile.company)
    first, second = employer(bookable), employer(bookable)
    entry_1 = join(bookable, first, weekdays=[1], time_of_day=ConsultationRequest.TimeOfDay.AFTERNOON)
    entry_2 = join(bookable, second, weekdays=[1], time_of_day=ConsultationRequest.TimeOfDay.AFTERNOON)
    page = Client()
    page.force_login(advisor)
    response = page.post(
        reverse("advisors:exception_add"),
        {
            "date-date": tuesday(0).date().isoformat(),
            "date-kind": "open",
            "date-start_time": "16:30",
            "date-end_time": "18:30",
            "date-service_point": bookable.point_a.pk,
        },
    )
    assert response.status_code in (200, 302), response.content[:500]
    holds = list(SlotHold.objects.filter(status="active").order_by("starts_at"))
    assert [(h.entry, h.starts_at) for h in holds] == [(entry_1, tuesday(16, 30)), (entry_2, tuesday(17, 30))]

    employer_page = Client()
    employer_page.force_login(first)
    assert employer_page.post(reverse("appointments:waitlist_leave", args=[entry_1.uid])).status_code == 302
    entry_1.refresh_from_db()
    assert entry_1.status == WaitlistEntry.Status.LEFT
    assert SlotHold.objects.get(pk=holds[0].pk).status == SlotHold.Status.RELEASED


def test_the_pages(bookable, employer_a, employer_b):
    page = Client()
    page.force_login(employer_a)
    url = reverse("appointments:waitlist_join")
    form = page.get(url, {"topic": bookable.topic.code, "mode": Mode.PHONE})
    assert form.status_code == 200
    data = {
        "topic": bookable.topic.code,
        "mode": Mode.PHONE,
        "municipality": "Trois-Rivières",
        "max_distance_km": "100",
        "weekdays": ["0", "4"],
        "time_of_day": "morning",
        "phone": "819 555-0101",
    }
    free_now = page.post(url, data)  # free times fit: they come first (test_joining.py)
    assert free_now.status_code == 200 and "libres maintenant" in free_now.content.decode()
    assert page.post(url, {**data, "join_anyway": "1"}).status_code == 302
    again = page.post(url, data)
    assert again.status_code == 409 and "déjà sur la liste d’attente" in again.content.decode()
    for bad in ({"max_distance_km": "0"}, {"weekdays": ["6"]}, {"until": "1999-01-01"}, {"topic": "x"}):
        assert page.post(url, {**data, **bad}).status_code == 400, bad
    listing = page.get(reverse("appointments:waitlist"))
    assert listing.status_code == 200 and "en tête de la file" in listing.content.decode().lower()
    entry = WaitlistEntry.objects.get()
    other = Client()
    other.force_login(employer_b)
    assert other.post(reverse("appointments:waitlist_leave", args=[entry.uid])).status_code == 404
    assert Client().get(reverse("appointments:offer", args=["forged"])).status_code == 400


# --- Per-company limits ------------------------------------------------------------------------


def test_upcoming_limit_on_every_booking_path(bookable, employer_a, advisor):
    company = employer_a.employer_profile.company
    book(bookable, employer_a, tuesday(10, 30))
    book(bookable, employer_a, tuesday(13))
    # The service (and so the API and the adviser's booking for a request).
    with pytest.raises(services.BookingError) as error:
        book(bookable, employer_a, tuesday(14))
    assert error.value.code == services.LIMIT_UPCOMING and error.value.params == {"count": 2}
    # The booking page says why, in French.
    from tests.booking_helpers import book_via_web

    page = Client()
    page.force_login(employer_a)
    response = book_via_web(page, bookable, tuesday(14))
    assert response.status_code == 409
    assert "déjà 2 rendez-vous à venir" in response.content.decode()
    # The API.
    from accounts.tokens import create_token

    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token(user=employer_a, name='t')[1]}")
    body = {
        "topic": bookable.topic.code,
        "mode": Mode.SERVICE_POINT,
        "municipality": int(bookable.municipality_a.code),
        "advisor": bookable.advisor_a.pk,
        "service_point": bookable.point_a.pk,
        "starts_at": tuesday(14).isoformat(),
    }
    response = api.post(reverse("api:appointment-list"), body, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == services.LIMIT_UPCOMING and "2" in response.json()["detail"]
    # An adviser booking a request for the company.
    from consultations import services as requests

    request = ConsultationRequest.objects.create(
        company=company,
        requested_by=employer_a,
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        municipality=bookable.municipality_a,
        status=ConsultationRequest.Status.ASSIGNED,
        assigned_advisor=bookable.advisor_a,
        hops=1,
    )
    with pytest.raises(services.BookingError) as error:
        requests.book_for_employer(
            request=request,
            by=advisor,
            choice=services.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(14)),
        )
    assert error.value.code == services.LIMIT_UPCOMING
    assert Appointment.objects.filter(company=company).count() == 2
    # Cancelling one frees a place.
    services.cancel_appointment(
        appointment=Appointment.objects.filter(company=company).first(), by=employer_a
    )
    book(bookable, employer_a, tuesday(15))  # 14:00 is inside 13:00's 15-minute buffer


def test_monthly_limit_and_representatives_share_it(bookable, employer_a):
    bookable.topic.max_upcoming_per_company = 10
    bookable.topic.max_per_month_per_company = 1
    bookable.topic.save()
    company = employer_a.employer_profile.company
    colleague = EmployerProfileFactory(company=company).user
    book(bookable, employer_a, tuesday(10, 30))
    with pytest.raises(services.BookingError) as error:
        book(bookable, colleague, tuesday(13))  # same company, same month
    assert error.value.code == services.LIMIT_MONTH
    assert error.value.params["month"] == tuesday(0).date().replace(day=1)
    # December is another month.
    december = tuesday(10, 30) + timedelta(days=14)
    book(bookable, colleague, december)


def test_a_waitlist_confirmation_respects_the_limits_and_passes_the_time_on(bookable, settings):
    appointments = fill_tuesday(bookable, employer(bookable).employer_profile.company)
    first, second = employer(bookable), employer(bookable)
    bookable.topic.max_upcoming_per_company = 1
    bookable.topic.save()
    # First already holds an upcoming appointment of the topic (on Friday).
    book(bookable, first, tuesday(10, 30) + timedelta(days=3))
    join(bookable, first, weekdays=[1])
    entry_2 = join(bookable, second, weekdays=[1])
    # 13:00: still bookable when a 2-hour hold made at 10:00 ends (one business day of notice).
    services.cancel_appointment(appointment=appointments[1], by=None)
    hold = SlotHold.objects.get(status="active")
    with pytest.raises(services.BookingError) as error:
        waitlist.confirm(hold=hold, by=None)
    assert error.value.code == services.LIMIT_UPCOMING
    assert SlotHold.objects.get(status="active").entry == entry_2
