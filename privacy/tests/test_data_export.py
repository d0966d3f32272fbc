"""Law 25 right of access: an employer downloads their company's data as JSON."""

import json

import pytest
from django.urls import reverse

from appointments import services
from appointments.models import Mode
from tests.booking_helpers import book, tuesday
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def test_the_file_holds_the_company_its_appointments_and_requests_and_no_one_elses(
    bookable, employer_a, employer_b, advisor
):
    company = employer_a.employer_profile.company
    appointment = book(bookable, employer_a, company=company, message="Deux soudeurs à recruter")
    services.add_note(appointment=appointment, by=advisor, text="Note interne du conseiller")
    signed_in(employer_a).post(
        reverse("appointments:request_new"),
        {
            "topic": bookable.topic.code,
            "mode": Mode.PHONE,
            "municipality": "Trois-Rivières",
            "language": "fr",
            "preferred_time": "any",
            "message": "Besoin d'un appel",
            "phone": "819 555-0101",
        },
    )
    response = signed_in(employer_a).get(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="donnees-{company.neq}-')
    data = json.loads(response.content)
    assert data["company"]["neq"] == company.neq and data["you"]["email"] == employer_a.email
    (exported,) = data["appointments"]
    assert exported["uid"] == str(appointment.uid) and exported["message"] == "Deux soudeurs à recruter"
    assert exported["history"][0]["action"] in ("Réservée", "Réservé", "Booked")
    (request,) = data["consultation_requests"]
    assert request["message"] == "Besoin d'un appel"
    body = response.content.decode()
    assert "Note interne du conseiller" not in body  # the ministry's internal notes
    assert employer_b.email not in body

    other = json.loads(signed_in(employer_b).get(reverse("accounts:data_export")).content)
    assert other["appointments"] == [] and other["consultation_requests"] == []


def test_the_query_count_does_not_grow_with_the_data(bookable, employer_a, django_assert_max_num_queries):
    client = signed_in(employer_a)
    client.get(reverse("accounts:data_export"))
    bookable.topic.max_upcoming_per_company = 5  # three appointments of one topic (limit: 2)
    bookable.topic.save()
    for hour, minute in ((10, 30), (13, 0), (15, 0)):
        book(bookable, employer_a, tuesday(hour, minute))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("accounts:data_export")).status_code == 200


def test_the_file_holds_the_company_survey_answers_with_their_comment(bookable, employer_a):
    from feedback import services as feedback
    from feedback.tests.conftest import mark_held

    survey = mark_held(book(bookable, employer_a)).survey
    feedback.answer_survey(
        survey=survey, satisfaction=3, outcome="partly", comment="Réponses claires, délais longs", revision=0
    )
    data = json.loads(signed_in(employer_a).get(reverse("accounts:data_export")).content)
    (exported,) = data["appointments"]
    assert exported["survey"]["satisfaction"] == 3
    assert exported["survey"]["got_what_they_came_for"] == "En partie"
    assert exported["survey"]["comment"] == "Réponses claires, délais longs"


def test_an_appointment_without_a_survey_exports_none(bookable, employer_a):
    book(bookable, employer_a)
    (exported,) = json.loads(signed_in(employer_a).get(reverse("accounts:data_export")).content)[
        "appointments"
    ]
    assert exported["survey"] is None
