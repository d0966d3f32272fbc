"""The adviser sees the employer's answer to the survey on the appointment page, comment
included; the manager, who may open the page, does not (their figures come in groups of 5)."""

import pytest
from django.urls import reverse

from feedback import services as feedback
from feedback.tests.conftest import mark_held
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def answered(booked):
    survey = mark_held(booked).survey
    return feedback.answer_survey(
        survey=survey, satisfaction=2, outcome="partly", comment="Trop de jargon & de sigles", revision=0
    )


def page(user, appointment) -> str:
    response = signed_in(user).get(reverse("advisors:appointment", kwargs={"uid": appointment.uid}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_adviser_sees_the_answer_and_the_comment(advisor, answered):
    html = page(advisor, answered.appointment)
    assert "L’avis de l’employeur" in html
    assert "2 sur 5" in html and "En partie" in html
    assert "Trop de jargon &amp; de sigles" in html  # escaped


def test_before_an_answer_the_adviser_sees_that_the_survey_is_on_its_way(advisor, booked):
    mark_held(booked)
    assert "sera envoyé à l’employeur" in page(advisor, booked)


def test_the_manager_does_not_see_one_employer_s_answer(manager, answered):
    html = page(manager, answered.appointment)
    assert "Trop de jargon" not in html and "L’avis de l’employeur" not in html
