"""The survey emails (feedback.sending): an invitation once, at most one reminder, in the
language of whoever booked, never for an appointment no longer held."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from appointments import services as booking
from appointments.models import Appointment
from feedback import sending, services
from feedback.models import Survey
from tests.booking_helpers import NOW, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def test_the_invitation_goes_once_with_a_signed_link(survey, employer_a):
    mail.outbox.clear()
    report = sending.send_due_surveys()
    assert report.sent == {"invitation": 1, "reminder": 0}
    (message,) = mail.outbox
    assert message.to == [employer_a.email]
    assert "/rendez-vous/" in message.body and survey.appointment.reference in message.subject
    assert Survey.objects.get(pk=survey.pk).invited_at is not None
    assert sending.send_due_surveys().sent == {"invitation": 0, "reminder": 0}
    assert len(mail.outbox) == 1


def test_the_invitation_is_in_the_language_of_whoever_booked(survey, employer_a):
    employer_a.language = "en"
    employer_a.save(update_fields=["language"])
    mail.outbox.clear()
    sending.send_due_surveys()
    assert mail.outbox[0].subject.startswith("How was your consultation?")
    assert "/en/" in mail.outbox[0].body


def test_an_unanswered_survey_is_reminded_once(survey):
    sending.send_due_surveys()
    mail.outbox.clear()
    with time_machine.travel(NOW + sending.REMINDER_AFTER - timedelta(minutes=1), tick=False):
        assert sending.send_due_surveys().sent["reminder"] == 0
    for days in (0, 1, 30):
        with time_machine.travel(NOW + sending.REMINDER_AFTER + timedelta(days=days), tick=False):
            sending.send_due_surveys()
    assert len(mail.outbox) == 1
    assert "only reminder" in mail.outbox[0].body or "seul rappel" in mail.outbox[0].body


def test_an_answered_survey_is_not_reminded(survey):
    sending.send_due_surveys()
    services.answer_survey(survey=survey, satisfaction=4, outcome="yes", comment="", revision=0)
    mail.outbox.clear()
    with time_machine.travel(NOW + sending.REMINDER_AFTER + timedelta(days=1), tick=False):
        sending.send_due_surveys()
    assert mail.outbox == []


def test_an_outcome_corrected_to_no_show_stops_the_survey(held, survey):
    booking.record_outcome(
        appointment=held, by=held.advisor.user, status=Appointment.Status.NO_SHOW, now=tuesday(12)
    )
    mail.outbox.clear()
    sending.send_due_surveys()
    assert mail.outbox == []


def test_a_row_leased_to_another_run_is_not_sent(survey):
    token, claimed = sending.claim("invitation")
    assert [s.pk for s in claimed] == [survey.pk]
    assert sending.claim("invitation")[1] == []  # a second run finds nothing due
    assert sending.mark_sent("invitation", [survey.pk], token, tuesday(13)) == {survey.pk}
    assert sending.mark_sent("invitation", [survey.pk], token, tuesday(13)) == set()  # marked once


def test_a_failed_delivery_is_retried_later(survey, monkeypatch):
    from core.mailer import DeliveryError, ReminderMailer

    def refuse(self, mails, commit):
        return {key: DeliveryError("550 mailbox unavailable", committed=False) for key, _mail in mails}

    monkeypatch.setattr(ReminderMailer, "send_batch", refuse)
    report = sending.send_due_surveys()
    assert report.retry == 1
    row = Survey.objects.get(pk=survey.pk)
    assert row.invited_at is None and row.attempts == 1 and row.next_attempt_at > NOW
    assert "550" in row.last_error
