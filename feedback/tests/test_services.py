"""Opening a survey when an appointment is held, and answering it (feedback.services)."""

from datetime import timedelta

import pytest

from appointments import services as booking
from appointments.models import Appointment
from feedback import services
from feedback.models import Survey
from feedback.tests.conftest import mark_held
from tests.booking_helpers import tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def answer(survey, *, revision=None, now=None, **fields):
    values = {"satisfaction": 4, "outcome": "yes", "comment": "", **fields}
    return services.answer_survey(
        survey=survey, revision=survey.revision if revision is None else revision, now=now, **values
    )


def test_marking_an_appointment_held_opens_one_survey_for_whoever_booked(booked, employer_a):
    mark_held(booked)
    survey = Survey.objects.get(appointment=booked)
    assert survey.recipient == employer_a
    assert survey.invited_at is None and not survey.is_answered


def test_an_outcome_corrected_back_and_forth_keeps_one_survey(booked):
    mark_held(booked)
    booking.record_outcome(
        appointment=booked, by=booked.advisor.user, status=Appointment.Status.NO_SHOW, now=tuesday(12)
    )
    mark_held(booked)
    assert Survey.objects.filter(appointment=booked).count() == 1


def test_a_no_show_opens_no_survey(booked):
    booking.record_outcome(
        appointment=booked, by=booked.advisor.user, status=Appointment.Status.NO_SHOW, now=tuesday(12)
    )
    assert not Survey.objects.filter(appointment=booked).exists()


def test_nobody_to_ask_no_survey(booked):
    Appointment.objects.filter(pk=booked.pk).update(booked_by=None)
    booked.refresh_from_db()
    mark_held(booked)
    assert not Survey.objects.filter(appointment=booked).exists()


def test_the_first_answer_is_stored_whole(survey):
    stored = answer(survey, satisfaction=5, outcome="partly", comment="  Très utile.  ", now=tuesday(13))
    assert (stored.satisfaction, stored.outcome, stored.comment) == (5, "partly", "Très utile.")
    assert stored.answered_at == stored.changed_at == tuesday(13)
    assert stored.revision == 1


def test_an_answer_can_be_changed_for_seven_days(survey):
    first = answer(survey, now=tuesday(13))
    changed = answer(first, satisfaction=2, outcome="no", now=tuesday(13) + timedelta(days=6, hours=23))
    assert (changed.satisfaction, changed.outcome) == (2, "no")
    assert changed.answered_at == tuesday(13)  # the first answer's time stays
    with pytest.raises(services.SurveyError) as refused:
        answer(changed, satisfaction=1, now=tuesday(13) + timedelta(days=7))
    assert refused.value.code == services.CLOSED
    assert Survey.objects.get(pk=survey.pk).satisfaction == 2


def test_an_answer_to_a_form_answered_meanwhile_is_refused(survey):
    answer(survey, satisfaction=5, now=tuesday(13))
    with pytest.raises(services.SurveyError) as refused:
        answer(survey, revision=0, satisfaction=1, now=tuesday(13))
    assert refused.value.code == services.ANSWERED_MEANWHILE
    assert refused.value.status == 409
    assert Survey.objects.get(pk=survey.pk).satisfaction == 5


@pytest.mark.parametrize("satisfaction, outcome", [(0, "yes"), (6, "yes"), (3, "maybe"), (3, "")])
def test_an_answer_out_of_range_is_refused(survey, satisfaction, outcome):
    with pytest.raises(services.SurveyError) as refused:
        answer(survey, satisfaction=satisfaction, outcome=outcome)
    assert refused.value.status == 400
    assert not Survey.objects.get(pk=survey.pk).is_answered


def test_a_long_comment_is_cut_to_the_limit(survey):
    assert len(answer(survey, comment="x" * 5000).comment) == 1000
