"""The survey page by its signed link: anyone holding it answers without signing in; a bad,
tampered or expired link is a clear 4xx page; after the week of changes, the answer is read-only."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from feedback import links
from feedback.models import Survey
from tests.booking_helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def path_of(survey, language="fr-ca"):
    return links.survey_url(survey, language=language).removeprefix(settings.SITE_URL)


def test_anyone_with_the_link_sees_the_questions(survey):
    response = Client().get(path_of(survey))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="satisfaction"' in page and 'name="outcome"' in page
    assert survey.appointment.advisor.user.last_name in page


def test_the_english_link_is_in_english(survey):
    page = Client().get(path_of(survey, "en")).content.decode()
    assert "Did you get what you came for?" in page


def test_an_answer_is_saved_and_shown_for_change(survey):
    client = Client()
    response = client.post(
        path_of(survey), {"satisfaction": "4", "outcome": "partly", "comment": "Clair.", "revision": "0"}
    )
    assert response.status_code == 302
    stored = Survey.objects.get(pk=survey.pk)
    assert (stored.satisfaction, stored.outcome, stored.comment) == (4, "partly", "Clair.")
    page = client.get(path_of(survey)).content.decode()
    assert "Merci" in page and 'value="1"' in page  # the next revision, ready for a change


def test_a_form_missing_answers_explains_what_is_missing(survey):
    response = Client().post(path_of(survey), {"comment": "x", "revision": "0"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "de 1 à 5" in page
    assert not Survey.objects.get(pk=survey.pk).is_answered


def test_a_comment_over_the_limit_is_refused_with_the_reason(survey):
    response = Client().post(
        path_of(survey), {"satisfaction": "4", "outcome": "yes", "comment": "x" * 1001, "revision": "0"}
    )
    assert response.status_code == 400
    assert "1000" in response.content.decode() or "1 000" in response.content.decode()


def test_after_seven_days_the_answer_is_read_only(survey):
    client = Client()
    client.post(
        path_of(survey), {"satisfaction": "2", "outcome": "no", "comment": "Trop court.", "revision": "0"}
    )
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        page = client.get(path_of(survey))
        assert page.status_code == 200
        assert "<form" not in page.content.decode().split("<main", 1)[1].split("</main>")[0]
        assert "Trop court." in page.content.decode()
        refused = client.post(path_of(survey), {"satisfaction": "5", "outcome": "yes", "revision": "1"})
    assert refused.status_code == 409
    assert Survey.objects.get(pk=survey.pk).satisfaction == 2


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: t[5:], lambda t: "nonsense"])
def test_a_tampered_link_is_a_clear_400(survey, mangle):
    token = links.survey_token(survey)
    path = path_of(survey).replace(token, mangle(token))
    response = Client().get(path)
    assert response.status_code == 400
    assert "pas valide" in response.content.decode()


def test_a_manage_link_of_the_appointment_is_no_survey_link(survey):
    from appointments.links import manage_token

    path = path_of(survey).replace(links.survey_token(survey), manage_token(survey.appointment))
    assert Client().get(path).status_code == 400


def test_an_expired_link_is_a_clear_410(survey):
    path = path_of(survey)
    with time_machine.travel(NOW + timedelta(seconds=links.MAX_AGE_SECONDS + 60), tick=False):
        response = Client().get(path)
    assert response.status_code == 410
    assert "expiré" in response.content.decode()
