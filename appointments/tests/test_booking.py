"""Employers search, book, reschedule and cancel; bad input gets a clear status, never a 500."""

import html
import re
import uuid
from datetime import UTC, timedelta

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from appointments import links, selectors
from appointments.models import Appointment, Mode
from appointments.templatetags.booking import utc_param
from tests.booking_helpers import book, book_via_web, confirm_url, open_weekdays, search_params, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_search_lists_the_nearest_qualified_advisers_first(client_for, employer_a, bookable):
    response = client_for(employer_a).get(reverse("appointments:slots"), search_params(bookable))
    assert response.status_code == 200
    groups = response.context["search"].groups
    assert [g.advisor for g in groups] == [bookable.advisor_a, bookable.advisor_b]
    assert groups[0].distance_km < 1 < groups[1].distance_km
    first_day, first_slots = groups[0].days[0]
    assert first_day == tuesday(0).date()  # one business day of notice
    assert first_slots[0].start == tuesday(10, 30).astimezone(UTC)  # 8:30 and 9:30 are < 24 h away
    assert len(groups[0].days) == 10  # every weekday of the fortnight shown
    html = response.content.decode()
    assert "10 h 30" in html and "km" in html


def test_search_query_count_does_not_grow_with_advisers(client_for, employer_a, bookable):
    from appointments.catalogue import read_catalogue
    from tests.factories import AdvisorFactory

    client = client_for(employer_a)
    client.get(reverse("appointments:slots"), search_params(bookable))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("appointments:slots"), search_params(bookable))
    for _ in range(12):
        extra = AdvisorFactory(home_service_point=bookable.point_b, knows=[bookable.topic])
        open_weekdays(extra)
    with CaptureQueriesContext(connection) as reading:
        read_catalogue()
    with CaptureQueriesContext(connection) as first:  # the catalogue changed: read again, once
        client.get(reverse("appointments:slots"), search_params(bookable))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("appointments:slots"), search_params(bookable))
    # The page on the old copy (stopped by the search's first query), the generation (twice at
    # most), the new copy, then the page again under the new generation: the form's 4 lookups
    # (topic, languages, place, label) read once for it, and the page's own queries.
    assert len(first) <= len(many) + 2 + len(reading) + 4 + len(many)
    assert len(many) <= len(few) + 1  # one more calendar batch at most, never one per adviser
    assert len(few) <= 20


def test_employer_books_in_two_clicks_and_gets_an_email_with_ics(
    client_for, employer_a, bookable, django_capture_on_commit_callbacks
):
    client = client_for(employer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = book_via_web(client, bookable, tuesday(10, 30))
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "appointments:detail", args=[appointment.uid]
    )
    assert appointment.company == employer_a.employer_profile.company
    assert appointment.starts_at == tuesday(10, 30) and appointment.ends_at == tuesday(11, 30)
    assert appointment.service_point == bookable.point_a

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [employer_a.email]
    assert "confirmé" in email.subject.lower()
    assert "10 h 30" in email.body
    assert email.alternatives and "text/html" in email.alternatives[0][1]
    name, content, mimetype = email.attachments[0]
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{appointment.uid}@midi-regions"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == tuesday(10, 30)
    manage = re.search(r"https?://\S+/gerer/\S+/|https?://\S+/manage/\S+/", email.body)
    assert manage, email.body

    detail = client.get(response.url)
    assert detail.status_code == 200 and "10 h 30" in detail.content.decode()


def test_a_double_submitted_booking_books_once(client_for, employer_a, bookable):
    client = client_for(employer_a)
    key = uuid.uuid4()
    first = book_via_web(client, bookable, tuesday(10, 30), key=key)
    second = book_via_web(client, bookable, tuesday(10, 30), key=key)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Appointment.objects.count() == 1


def test_a_time_already_booked_is_refused_with_one_query_and_no_lock(bookable, employer_a, employer_b):
    from appointments import services

    book(bookable, employer_a)
    with CaptureQueriesContext(connection) as queries, pytest.raises(services.BookingError) as refused:
        book(bookable, employer_b)
    assert refused.value.code == services.SLOT_TAKEN
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "FOR UPDATE" not in queries[0]["sql"]


def test_employer_cannot_book_a_slot_taken_meanwhile(client_for, employer_a, employer_b, bookable):
    book_via_web(client_for(employer_b), bookable, tuesday(10, 30))
    response = book_via_web(client_for(employer_a), bookable, tuesday(10, 30))
    assert response.status_code == 409
    assert "vient d’être réservée" in html.unescape(response.content.decode())
    assert response.context["search"].groups, "the employer is offered the next free times"
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("hour", "minute", "day_offset"),
    [
        (10, 0, 1),  # not on the slot grid (8:30 + n × 60 min)
        (12, 30, 1),  # lunch break
        (9, 30, -1),  # in the past
        (10, 30, 0),  # today: inside the minimum notice
        (10, 30, 90),  # beyond the 60-day horizon
    ],
)
def test_a_time_outside_availability_is_refused_with_409(
    client_for, employer_a, bookable, hour, minute, day_offset
):
    at = tuesday(hour, minute) + timedelta(days=day_offset - 1)
    response = book_via_web(client_for(employer_a), bookable, at)
    assert response.status_code == 409
    assert not Appointment.objects.exists()


def test_a_forged_adviser_id_is_404(client_for, employer_a, bookable):
    url, params = confirm_url(bookable, bookable.advisor_a, tuesday(10, 30))
    params["advisor"] = 999_999
    assert client_for(employer_a).get(url, params).status_code == 404
    assert not Appointment.objects.exists()


def test_an_adviser_without_the_expertise_cannot_be_booked(client_for, employer_a, bookable):
    bookable.advisor_b.topics.clear()
    response = book_via_web(client_for(employer_a), bookable, tuesday(10, 30), advisor=bookable.advisor_b)
    assert response.status_code == 409
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [{"topic": "astrology"}, {"mode": "carrier-pigeon"}, {"municipality": "Atlantis"}, {"topic": ""}],
)
def test_unknown_topic_mode_or_place_is_400(client_for, employer_a, bookable, overrides):
    client = client_for(employer_a)
    assert client.get(reverse("appointments:slots"), search_params(bookable, **overrides)).status_code == 400
    url, params = confirm_url(bookable, bookable.advisor_a, tuesday(10, 30), **overrides)
    assert client.get(url, params).status_code == 400


def test_a_malformed_time_is_400(client_for, employer_a, bookable):
    url, params = confirm_url(bookable, bookable.advisor_a, tuesday(10, 30))
    params["at"] = "demain matin"
    assert client_for(employer_a).get(url, params).status_code == 400


@pytest.mark.parametrize("persona", ["advisor", "manager", "administrator", "new_user"])
def test_only_employers_book(request, client_for, bookable, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("appointments:book")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, bookable):
    response = client.get(reverse("appointments:book"))
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_my_appointments_shows_only_my_company(client_for, employer_a, employer_b, bookable):
    book_via_web(client_for(employer_b), bookable, tuesday(13, 0))
    client = client_for(employer_a)
    book_via_web(client, bookable, tuesday(10, 30))
    mine = Appointment.objects.get(company=employer_a.employer_profile.company)
    theirs = Appointment.objects.get(company=employer_b.employer_profile.company)
    response = client.get(reverse("appointments:list"))
    assert response.status_code == 200
    assert response.context["upcoming"] == [mine]
    for name in ("appointments:detail", "appointments:reschedule"):
        assert client.get(reverse(name, args=[theirs.uid])).status_code == 404
    assert client.post(reverse("appointments:cancel", args=[theirs.uid])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.CONFIRMED


def test_reschedule_and_cancel_from_the_signed_link_without_logging_in(
    client, employer_a, bookable, django_capture_on_commit_callbacks
):
    appointment = book(bookable, employer_a)
    url = reverse("appointments:manage", args=[links.manage_token(appointment)])
    page = client.get(url)
    assert page.status_code == 200 and "10 h 30" in page.content.decode()

    token = links.manage_token(appointment)
    choices = client.get(reverse("appointments:manage_reschedule", args=[token]))
    assert choices.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("appointments:manage_reschedule_confirm", args=[token]),
            {"advisor": bookable.advisor_a.pk, "point": bookable.point_a.pk, "at": utc_param(tuesday(14, 0))},
        )
    assert response.status_code == 302 and response.url == url
    appointment.refresh_from_db()
    assert appointment.starts_at == tuesday(14, 0) and appointment.sequence == 1
    rescheduled = icalendar.Calendar.from_ical(mail.outbox[-1].attachments[0][1]).walk("VEVENT")[0]
    assert int(rescheduled["SEQUENCE"]) == 1 and str(rescheduled["UID"]).startswith(str(appointment.uid))
    # The freed time is offered again.
    assert selectors.find_free_slot(
        advisor=bookable.advisor_a,
        topic=bookable.topic,
        mode=Mode.SERVICE_POINT,
        location=bookable.municipality_a,
        service_point_id=bookable.point_a.pk,
        starts_at=tuesday(10, 30),
    )

    cancel_url = reverse("appointments:manage_cancel", args=[token])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url, {"confirmed": "1", "reason": "Plus nécessaire"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (
        appointment.status == Appointment.Status.CANCELLED
        and appointment.cancellation_reason == "Plus nécessaire"
    )
    cancelled = icalendar.Calendar.from_ical(mail.outbox[-1].attachments[0][1])
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert int(cancelled.walk("VEVENT")[0]["SEQUENCE"]) == 2
    # Cancelling twice is refused politely.
    again = client.post(cancel_url, {"confirmed": "1"}, follow=True)
    assert again.status_code == 200 and Appointment.objects.get().status == Appointment.Status.CANCELLED


def test_a_tampered_link_gets_a_clear_page(client, employer_a, bookable):
    appointment = book(bookable, employer_a)
    token = links.manage_token(appointment)
    response = client.get(reverse("appointments:manage", args=[token[:-3] + "abc"]))
    assert response.status_code == 400
    assert "lien" in response.content.decode().lower()
    assert (
        client.post(reverse("appointments:manage", args=["nonsense"]), {"action": "cancel"}).status_code
        == 400
    )
    assert Appointment.objects.get().status == Appointment.Status.CONFIRMED


def test_a_link_expires_when_the_appointment_starts(client, employer_a, bookable):
    appointment = book(bookable, employer_a)
    url = reverse("appointments:manage", args=[links.manage_token(appointment)])
    with time_machine.travel(tuesday(10, 31), tick=False):
        response = client.post(url, {"action": "cancel"})
    assert response.status_code == 410
    assert Appointment.objects.get().status == Appointment.Status.CONFIRMED


def test_english_employers_get_english_email_and_times(
    client_for, employer_a, bookable, django_capture_on_commit_callbacks
):
    employer_a.language = "en"
    employer_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        book_via_web(client_for(employer_a), bookable, tuesday(13, 0))
    email = mail.outbox[0]
    assert "confirmed" in email.subject.lower()
    assert "1:00 p.m." in email.body or "1:00 pm" in email.body.lower()
    assert "/en/" in email.body


def test_premises_visits_only_from_advisers_whose_radius_covers_the_company(client_for, employer_a, bookable):
    bookable.advisor_a.travel_radius_km = 50
    bookable.advisor_a.save()
    bookable.advisor_b.travel_radius_km = 50  # Montréal is ~120 km from Trois-Rivières
    bookable.advisor_b.save()
    response = client_for(employer_a).get(
        reverse("appointments:slots"), search_params(bookable, mode=Mode.PREMISES)
    )
    assert [g.advisor for g in response.context["search"].groups] == [bookable.advisor_a]


def test_later_days_page_forward_by_fortnight(client_for, employer_a, bookable):
    client = client_for(employer_a)
    first = client.get(reverse("appointments:slots"), search_params(bookable)).context["picker"]
    assert first.next_start == tuesday(0).date() + timedelta(days=14)
    second = client.get(
        reverse("appointments:slots"), search_params(bookable, start=first.next_start.isoformat())
    )
    assert second.status_code == 200
    picker = second.context["picker"]
    assert picker.days[0].day == first.next_start > first.last_day
    assert picker.previous_start == tuesday(0).date()


def test_urls_are_translated_for_booking():
    assert reverse("appointments:book").startswith("/rendez-vous/")
    with translation.override("en"):
        assert reverse("appointments:book") == "/en/appointments/book/"


def test_the_adviser_sees_the_same_local_time_as_the_employer(client_for, employer_a, advisor, bookable):
    book_via_web(client_for(employer_a), bookable, tuesday(13, 0))
    employer_page = client_for(employer_a).get(reverse("appointments:list")).content.decode()
    advisor_page = client_for(advisor).get(reverse("advisors:me")).content.decode()
    for page in (employer_page, advisor_page):
        assert "24 novembre 2026, 13 h" in page and "13 h 00" not in page
    assert employer_a.employer_profile.company.legal_name in advisor_page
    # The other adviser's page does not show it.
    assert (
        employer_a.employer_profile.company.legal_name
        not in client_for(bookable.advisor_b.user).get(reverse("advisors:me")).content.decode()
    )


def test_an_adviser_is_offered_only_at_points_they_staff(client_for, employer_a, bookable):
    from advisors.models import AvailabilityException

    # Adviser B is attached to the Trois-Rivières point too, but has no hours there.
    bookable.advisor_b.service_points.add(bookable.point_a)
    client = client_for(employer_a)
    groups = client.get(reverse("appointments:slots"), search_params(bookable)).context["search"].groups
    assert [(g.advisor, g.service_point) for g in groups] == [
        (bookable.advisor_a, bookable.point_a),
        (bookable.advisor_b, bookable.point_b),
    ]
    # An opening at that point makes it an option, on that day only.
    day = tuesday(0).date() + timedelta(days=1)
    AvailabilityException.objects.create(
        advisor=bookable.advisor_b,
        date=day,
        kind=AvailabilityException.Kind.OPEN,
        start_time=tuesday(9).time(),
        end_time=tuesday(11).time(),
        service_point=bookable.point_a,
    )
    groups = client.get(reverse("appointments:slots"), search_params(bookable)).context["search"].groups
    at_a = [g for g in groups if g.advisor == bookable.advisor_b and g.service_point == bookable.point_a]
    assert [d for d, _slots in at_a[0].days] == [day]


def test_the_place_field_suggests_as_people_type_without_shipping_the_gazetteer(
    client_for, employer_a, bookable
):
    from tests.factories import MunicipalityFactory

    for n in range(30):
        MunicipalityFactory(name=f"Village-du-Test-{n}")
    page = client_for(employer_a).get(reverse("appointments:book")).content.decode()
    # The company's municipality, with the suggestions of that text; the rest comes from the API
    # as the person types (static/js/places.js), not as every municipality in every page.
    assert 'value="Trois-Rivières"' in page
    assert f'data-place-search="{reverse("api:municipality-list")}"' in page
    assert '<option value="Trois-Rivières — Mauricie"></option>' in page
    assert "Village-du-Test" not in page


def test_the_blank_booking_form_is_rendered_once_per_variant_and_stays_current(
    client_for, employer_a, employer_b, bookable
):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.middleware.csrf import _unmask_cipher_token
    from django.test import Client, RequestFactory

    def tokens(page: bytes) -> set[str]:
        found = re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        found += re.findall(rb'"X-CSRFToken": "([^"]+)"', page)
        return {t.decode() for t in found}

    def secret_of(client) -> str:
        return client.cookies[settings.CSRF_COOKIE_NAME].value

    client = client_for(employer_a)
    url = reverse("appointments:book")
    first = client.get(url)  # rendered; sets the CSRF cookie
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert not [q for q in queries if "appointments_topic" in q["sql"]]  # not rendered again
    # The visitor's own token is filled in (three places: language switcher, log-out, htmx).
    for page in (first.content, second.content):
        assert len(tokens(page)) == 1 and b"csrf-placeholder" not in page
        assert _unmask_cipher_token(tokens(page).pop()) == secret_of(client)

    # Someone else gets their own token and their company's municipality, never the first one's.
    other = Client()
    other.force_login(employer_b)
    theirs = other.get(url)
    assert len(tokens(theirs.content)) == 1
    assert _unmask_cipher_token(tokens(theirs.content).pop()) == secret_of(other) != secret_of(client)
    page = theirs.content.decode()
    assert 'value="Montréal"' in page and 'value="Trois-Rivières"' not in page.split("<datalist")[0]

    # A query string the page would echo is never served from (or stored in) the cache.
    echoed = client.get(url, {"utm_source": "courriel"}).content.decode()
    assert "utm_source=courriel" in echoed
    assert "utm_source" not in client.get(url).content.decode()

    # A renamed topic shows at once.
    bookable.topic.name_fr = "Immigration temporaire (PTET)"
    bookable.topic.save()
    assert "Immigration temporaire (PTET)" in client.get(url).content.decode()

    # A new municipality for the company changes the default place at once.
    company = employer_a.employer_profile.company
    assert 'value="Trois-Rivières"' in client.get(url).content.decode().split("<datalist")[0]
    company.municipality = bookable.municipality_b
    company.save()
    page = client.get(url).content.decode()
    assert 'value="Montréal"' in page.split("<datalist")[0]

    # A flash message is shown once, never cached.
    storage = CookieStorage(RequestFactory().get(url))
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Message de test unique")])
    assert "Message de test unique" in client.get(url).content.decode()
    assert "Message de test unique" not in client.get(url).content.decode()


def test_change_on_the_results_page_opens_the_search_filled_in(client_for, employer_a, bookable):
    params = search_params(bookable)
    response = client_for(employer_a).get(reverse("appointments:book"), {**params, "edit": "1"})
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound and form.initial["topic"] == params["topic"]
    checked = re.search(
        r'<input type="radio" name="topic" value="([^"]+)"[^>]* checked', response.content.decode()
    )
    assert checked and checked.group(1) == params["topic"]


def test_two_companies_using_the_same_idempotency_key_each_get_their_own_booking(
    bookable, employer_a, employer_b
):
    # The key is the caller's: unique per company (issue 18), not across the database, where
    # company B's booking failed on company A's key and was reported as "slot taken".
    key = uuid.uuid4()
    first = book(bookable, employer_a, idempotency_key=key)
    second = book(bookable, employer_b, tuesday(13), idempotency_key=key)
    assert first != second and second.company == employer_b.employer_profile.company
    assert book(bookable, employer_b, tuesday(13), idempotency_key=key) == second  # still idempotent
    assert book(bookable, employer_a, idempotency_key=key) == first
    assert Appointment.objects.count() == 2


def test_two_companies_using_the_same_key_through_the_api_both_book(bookable, employer_a, employer_b):
    from tests.clients import bearer, booking_body, post

    key = str(uuid.uuid4())
    for employer, at in ((employer_a, tuesday(10, 30)), (employer_b, tuesday(13))):
        client = bearer(employer)
        response = post(client, reverse("api:appointment-list"), booking_body(bookable, at, key=key))
        assert response.status_code == 201, response.json()
        again = post(client, reverse("api:appointment-list"), booking_body(bookable, at, key=key))
        assert again.json()["uid"] == response.json()["uid"]
    assert Appointment.objects.count() == 2
