"""Phone appointments: the number to call is asked, validated, stored in E.164 and shown to the
adviser (and the manager) in the national format; never to another company."""

from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse

from appointments.models import Appointment, Mode
from consultations import routing
from consultations.models import ConsultationRequest
from tests.booking_helpers import book_via_web, confirm_url, tuesday
from tests.clients import bearer, booking_body, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

PHONE = {"mode": Mode.PHONE}


def book_by_phone(client, network, phone=None):
    url, params = confirm_url(network, network.advisor_a, tuesday(10, 30), **PHONE)
    data = {"advisor": params["advisor"], "point": params["point"], "at": params["at"], "key": ""}
    if phone is not None:
        data["phone"] = phone
    return client.post(f"{url}?{urlencode(params)}", data)


def test_the_confirm_step_of_a_phone_booking_asks_for_the_number_prefilled(client_for, employer_a, bookable):
    employer_a.employer_profile.phone = "+18195550142"
    employer_a.employer_profile.save()
    url, params = confirm_url(bookable, bookable.advisor_a, tuesday(10, 30), **PHONE)
    page = client_for(employer_a).get(url, params).content.decode()
    assert 'type="tel"' in page and 'name="phone"' in page and 'value="819 555-0142"' in page


def test_the_confirm_step_of_a_meeting_at_a_point_asks_no_number(client_for, employer_a, bookable):
    url, params = confirm_url(bookable, bookable.advisor_a, tuesday(10, 30))
    assert 'name="phone"' not in client_for(employer_a).get(url, params).content.decode()
    assert book_via_web(client_for(employer_a), bookable, tuesday(10, 30)).status_code == 302


def test_a_phone_booking_without_a_number_is_refused_with_a_form_error(client_for, employer_a, bookable):
    response = book_by_phone(client_for(employer_a), bookable, phone="")
    assert response.status_code == 400
    assert response.context["phone_form"].errors["phone"]
    assert 'class="field__error"' in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("bad", ["555-0101", "819 555 01011", "téléphone", "+1 123 456 7890", "①②③"])
def test_a_bad_number_gets_a_clear_message(client_for, employer_a, bookable, bad):
    response = book_by_phone(client_for(employer_a), bookable, phone=bad)
    assert response.status_code == 400
    assert response.context["phone_form"].errors.as_data()["phone"][0].code == "invalid_phone"
    assert "819 555-0101" in response.content.decode()  # the message shows an example
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "typed",
    [
        "819 555-0199",
        "(819) 555-0199",
        "1-819-555-0199",
        "+1 819 555 0199",
        "８１９ ５５５ ０１９９",
        "819٥٥٥٠١٩٩",
    ],
)
def test_a_good_number_is_stored_in_e164(client_for, employer_a, bookable, typed):
    response = book_by_phone(client_for(employer_a), bookable, phone=typed)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Appointment.objects.get().contact_phone == "+18195550199"


def test_an_extension_written_poste_is_kept(client_for, employer_a, bookable):
    book_by_phone(client_for(employer_a), bookable, phone="819 555-0199 poste 12")
    assert Appointment.objects.get().contact_phone == "+18195550199;ext=12"


def test_the_adviser_and_the_manager_see_the_contact_in_the_national_format(
    client_for, employer_a, bookable, advisor, manager
):
    book_by_phone(client_for(employer_a), bookable, phone="+18195550199")
    appointment = Appointment.objects.get()
    url = reverse("advisors:appointment", kwargs={"uid": appointment.uid})
    for person in (advisor, manager):
        page = client_for(person).get(url).content.decode()
        assert "819 555-0199" in page and 'href="tel:+18195550199"' in page
        assert employer_a.email in page and employer_a.last_name in page


@pytest.mark.parametrize("persona", ["employer_b", "other_advisor", "other_manager"])
def test_no_one_else_sees_the_contact(request, client_for, employer_a, bookable, persona):
    book_by_phone(client_for(employer_a), bookable, phone="+18195550199")
    appointment = Appointment.objects.get()
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("advisors:appointment", kwargs={"uid": appointment.uid}))
    assert response.status_code in (403, 404)
    assert "555-0199" not in response.content.decode()


def test_another_company_never_sees_the_number_in_the_api(client_for, employer_a, employer_b, bookable):
    book_by_phone(client_for(employer_a), bookable, phone="+18195550199")
    other = bearer(employer_b).get(reverse("api:appointment-list"))
    assert other.json()["results"] == [] and "5550199" not in other.content.decode()
    own = bearer(employer_a).get(reverse("api:appointment-list")).json()
    assert own["results"][0]["phone"] == "+18195550199"


# --- The API --------------------------------------------------------------------------------------


def phone_body(network, **extra):
    return booking_body(network, tuesday(10, 30), mode=Mode.PHONE, **extra)


def test_the_api_refuses_a_phone_booking_without_a_number(employer_a, bookable):
    response = post(bearer(employer_a), reverse("api:appointment-list"), phone_body(bookable))
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert not Appointment.objects.exists()


def test_the_api_refuses_a_bad_number_with_the_reason(employer_a, bookable):
    response = post(bearer(employer_a), reverse("api:appointment-list"), phone_body(bookable, phone="12"))
    assert response.status_code == 400
    assert "819 555-0101" in response.json()["phone"][0]


def test_the_api_stores_and_returns_the_number_in_e164(employer_a, bookable):
    response = post(
        bearer(employer_a), reverse("api:appointment-list"), phone_body(bookable, phone="８１９-555-0199")
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+18195550199"
    assert Appointment.objects.get().contact_phone == "+18195550199"


def test_the_advisers_calendar_api_carries_the_contact_the_page_feed_does_not(
    client_for, employer_a, bookable, advisor
):
    book_by_phone(client_for(employer_a), bookable, phone="+18195550199")
    window = {"start": "2026-11-23", "end": "2026-11-30"}
    events = bearer(advisor).get(reverse("api:calendar"), window).json()
    (event,) = [e for e in events if e["kind"] == "appointment"]
    contact = event["details"]["contact"]
    assert contact["phone"] == "+18195550199" and contact["phone_display"] == "819 555-0199"
    assert contact["email"] == employer_a.email
    feed = client_for(advisor).get(reverse("advisors:calendar_events"), window).content.decode()
    assert "555-0199" not in feed and "5550199" not in feed


# --- Requests and the waitlist ----------------------------------------------------------------------


def request_data(network, **extra):
    return {
        "topic": network.topic.code,
        "mode": Mode.PHONE,
        "municipality": "Trois-Rivières",
        "language": "fr",
        "preferred_time": "any",
        "message": "Appelez-moi",
        **extra,
    }


def test_a_phone_request_needs_a_number(client_for, employer_a, bookable):
    response = client_for(employer_a).post(reverse("appointments:request_new"), request_data(bookable))
    assert response.status_code == 400 and response.context["form"].errors["phone"]
    assert not ConsultationRequest.objects.exists()


def test_a_request_by_video_needs_no_number(client_for, employer_a, bookable):
    data = request_data(bookable, mode=Mode.VIDEO)
    assert client_for(employer_a).post(reverse("appointments:request_new"), data).status_code == 302


def test_the_adviser_sees_the_requests_contact_on_its_page_in_the_api_and_in_the_email(
    client_for, employer_a, bookable, advisor, django_capture_on_commit_callbacks
):
    data = request_data(bookable, phone="819 555-0177")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(employer_a).post(reverse("appointments:request_new"), data)
    consultation = ConsultationRequest.objects.get()
    assert consultation.contact_phone == "+18195550177"
    if consultation.assigned_advisor_id is None:
        routing.route_request(consultation.pk)
        consultation.refresh_from_db()
    assert consultation.assigned_advisor_id == bookable.advisor_a.pk
    (email,) = [m for m in mail.outbox if advisor.email in m.to]
    assert "819 555-0177" in email.body and employer_a.email in email.body
    assert "819 555-0177" in email.alternatives[0][0]
    page = client_for(advisor).get(reverse("appointments:handle", kwargs={"uid": consultation.uid}))
    assert "819 555-0177" in page.content.decode()
    inbox = bearer(advisor).get(reverse("api:inbox-list")).json()
    assert inbox["results"][0]["contact"]["phone_display"] == "819 555-0177"


def test_a_phone_waitlist_entry_needs_a_number(client_for, employer_a, bookable):
    data = {
        "topic": bookable.topic.code,
        "mode": Mode.PHONE,
        "municipality": "Trois-Rivières",
        "max_distance_km": "100",
        "time_of_day": "any",
    }
    client = client_for(employer_a)
    response = client.post(reverse("appointments:waitlist_join"), data)
    assert response.status_code == 400 and response.context["form"].errors["phone"]
    assert (
        client.post(
            reverse("appointments:waitlist_join"), {**data, "phone": "819 555-0101", "join_anyway": "1"}
        ).status_code
        == 302
    )
