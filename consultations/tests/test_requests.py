"""Consultation requests in the browser: an employer asks, the nearest adviser proposes or books,
the manager sees why the request went where it went. Celery runs in-process (eager)."""

import pytest
from django.core import mail
from django.urls import reverse

from appointments.models import Appointment, Mode
from appointments.templatetags.booking import utc_param
from consultations.models import ConsultationRequest
from tests.booking_helpers import book, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def file_request(client, network, **overrides):
    data = {
        "topic": network.topic.code,
        "mode": Mode.SERVICE_POINT,
        "municipality": "Trois-Rivières",
        "language": "fr",
        "preferred_weekdays": ["1", "3"],
        "preferred_time": "morning",
        "message": "Nous voulons recruter deux soudeurs au Maroc.",
    }
    data.update(overrides)
    return client.post(reverse("appointments:request_new"), data)


def time_value(advisor, at, point=None):
    point_id = (point or advisor.home_service_point).pk
    return f"{advisor.pk}|{point_id}|{utc_param(at)}"


def test_an_employer_files_a_request_that_reaches_the_nearest_adviser(
    client_for, employer_a, advisor, bookable
):
    client = client_for(employer_a)
    assert client.get(reverse("appointments:request_new")).status_code == 200
    response = file_request(client, bookable)
    consultation = ConsultationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appointments:request_detail", kwargs={"uid": consultation.uid})
    assert consultation.status == ConsultationRequest.Status.ASSIGNED
    assert consultation.assigned_advisor == bookable.advisor_a
    assert consultation.preferred_weekdays == [1, 3]
    assert [m.to for m in mail.outbox] == [[advisor.email]]
    page = client.get(response["Location"]).content.decode()
    assert "En attente d’une réponse" in page or "Waiting for the adviser" in page

    adviser_client = client_for(advisor)
    inbox = adviser_client.get(reverse("appointments:inbox")).content.decode()
    assert employer_a.employer_profile.company.legal_name in inbox
    assert 'class="badge"' in inbox  # the inbox count in the menu


def test_the_adviser_proposes_times_and_the_employer_books_one(client_for, employer_a, advisor, bookable):
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    client = client_for(advisor)
    url = reverse("appointments:handle", kwargs={"uid": consultation.uid})
    page = client.get(url)
    assert page.status_code == 200 and page.context["search"].groups
    mail.outbox.clear()
    times = [time_value(bookable.advisor_a, tuesday(10, 30)), time_value(bookable.advisor_a, tuesday(13))]
    response = client.post(url, {"times": times, "action": "propose"})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.PROPOSED
    assert [p.starts_at for p in consultation.proposals.all()] == [tuesday(10, 30), tuesday(13)]
    assert [m.to for m in mail.outbox] == [[employer_a.email]]
    assert "13 h" in mail.outbox[0].body and "13 h 00" not in mail.outbox[0].body

    employer = client_for(employer_a)
    detail = employer.get(reverse("appointments:request_detail", kwargs={"uid": consultation.uid}))
    assert "13 h" in detail.content.decode() and "13 h 00" not in detail.content.decode()
    proposal = consultation.proposals.get(starts_at=tuesday(13))
    response = employer.post(
        reverse("appointments:request_book", kwargs={"uid": consultation.uid}), {"proposal": proposal.pk}
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.BOOKED
    appointment = consultation.appointment
    assert response["Location"] == reverse("appointments:detail", kwargs={"uid": appointment.uid})
    assert appointment.starts_at == tuesday(13) and appointment.advisor == bookable.advisor_a
    assert appointment.company == employer_a.employer_profile.company


def test_the_adviser_books_directly_for_the_employer(client_for, employer_a, advisor, bookable):
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    mail.outbox.clear()
    response = client_for(advisor).post(
        reverse("appointments:handle", kwargs={"uid": consultation.uid}),
        {"times": [time_value(bookable.advisor_a, tuesday(10, 30))], "action": "book"},
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.BOOKED
    assert consultation.appointment.booked_by == employer_a
    assert employer_a.email in [m.to[0] for m in mail.outbox]  # the usual confirmation, with .ics


@pytest.mark.parametrize(
    "data, status",
    [
        ({"action": "propose"}, 400),  # nothing ticked
        ({"action": "book", "times": ["a", "b"]}, 400),  # not offered
        ({"action": "launch"}, 400),
    ],
)
def test_bad_answers_are_400_and_change_nothing(client_for, employer_a, advisor, bookable, data, status):
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    response = client_for(advisor).post(
        reverse("appointments:handle", kwargs={"uid": consultation.uid}), data
    )
    assert response.status_code == status
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.ASSIGNED
    assert not Appointment.objects.exists()


def test_booking_two_ticked_times_is_refused(client_for, employer_a, advisor, bookable):
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    times = [time_value(bookable.advisor_a, tuesday(10, 30)), time_value(bookable.advisor_a, tuesday(13))]
    response = client_for(advisor).post(
        reverse("appointments:handle", kwargs={"uid": consultation.uid}), {"times": times, "action": "book"}
    )
    assert response.status_code == 400
    assert "exactement une" in response.content.decode() or "exactly one" in response.content.decode()


def test_a_proposed_time_taken_meanwhile_is_409_not_500(
    client_for, employer_a, employer_b, advisor, bookable
):

    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    client_for(advisor).post(
        reverse("appointments:handle", kwargs={"uid": consultation.uid}),
        {"times": [time_value(bookable.advisor_a, tuesday(10, 30))], "action": "propose"},
    )
    book(bookable, employer_b)
    proposal = consultation.proposals.get()
    response = client_for(employer_a).post(
        reverse("appointments:request_book", kwargs={"uid": consultation.uid}), {"proposal": proposal.pk}
    )
    assert response.status_code == 409
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.PROPOSED


def test_only_the_assigned_adviser_may_answer(client_for, employer_a, other_advisor, bookable):
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    url = reverse("appointments:handle", kwargs={"uid": consultation.uid})
    client = client_for(other_advisor)
    assert client.get(url).status_code == 404
    response = client.post(
        url, {"times": [time_value(bookable.advisor_b, tuesday(10, 30))], "action": "book"}
    )
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_the_manager_sees_the_routing_decision_other_managers_do_not(
    client_for, employer_a, manager, other_manager, bookable
):
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    url = reverse("appointments:handle", kwargs={"uid": consultation.uid})
    page = client_for(manager).get(url)
    assert page.status_code == 200
    decisions = list(page.context["decisions"])
    assert len(decisions) == 1 and decisions[0].chosen_advisor == bookable.advisor_a
    html = page.content.decode()
    assert str(bookable.advisor_b) in html  # the other candidate, with its distance
    assert (
        employer_a.employer_profile.company.legal_name
        in client_for(manager).get(reverse("appointments:inbox")).content.decode()
    )
    assert client_for(other_manager).get(url).status_code == 404


def test_employers_see_only_their_company_requests_and_can_withdraw(
    client_for, employer_a, employer_b, bookable
):
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    detail = reverse("appointments:request_detail", kwargs={"uid": consultation.uid})
    assert client_for(employer_b).get(detail).status_code == 404
    withdraw = reverse("appointments:request_withdraw", kwargs={"uid": consultation.uid})
    assert client_for(employer_b).post(withdraw).status_code == 404
    response = client_for(employer_a).post(withdraw)
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.WITHDRAWN
    assert client_for(employer_a).post(withdraw).status_code == 409


def test_a_bad_request_form_is_400_and_saves_nothing(client_for, employer_a, bookable):
    response = file_request(client_for(employer_a), bookable, municipality="Atlantide", message="")
    assert response.status_code == 400
    assert not ConsultationRequest.objects.exists()
    assert "Aucune municipalité ne correspond à « Atlantide »" in response.content.decode()


def test_only_employers_file_requests(client_for, advisor, bookable):
    assert client_for(advisor).get(reverse("appointments:request_new")).status_code == 403


def test_the_manager_answers_a_request_escalated_to_them(client_for, employer_a, manager, settings, bookable):
    from datetime import timedelta

    from consultations import routing

    settings.ROUTING_MAX_HOPS = 1
    file_request(client_for(employer_a), bookable)
    consultation = ConsultationRequest.objects.get()
    routing.escalate_overdue(now=consultation.due_at + timedelta(minutes=1))
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.MANAGER
    assert consultation.assigned_manager == manager

    client = client_for(manager)
    assert 'class="badge"' in client.get(reverse("appointments:inbox")).content.decode()
    url = reverse("appointments:handle", kwargs={"uid": consultation.uid})
    page = client.get(url)
    assert page.context["can_act"]
    # The manager may offer any qualified adviser's time, here the other directorate's adviser.
    choice = time_value(bookable.advisor_b, tuesday(13))
    response = client.post(url, {"times": [choice], "action": "propose"})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.PROPOSED
    assert consultation.proposals.get().advisor == bookable.advisor_b
    assert [d.reason for d in consultation.decisions.order_by("hop")] == ["nearest", "max_hops"]
