"""The .ics attached to the appointment emails declares its type once: text/calendar, its METHOD,
one charset (issue 18: `charset="utf-8"; charset="utf-8"`, which strict clients refuse). Emails
that change nothing in a calendar (held, missed) carry none."""

import email

import pytest
from django.core import mail

from appointments import notifications, services
from privacy import services as privacy
from tests.booking_helpers import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def calendar_parts(message) -> list:
    parsed = email.message_from_bytes(message.message().as_bytes())
    return [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]


def assert_one_charset(part, method: str):
    header = part["Content-Type"]
    assert header.lower().count("charset") == 1, header
    params = dict(part.get_params())
    assert params["charset"].lower() == "utf-8" and params["method"] == method, header
    assert part.get_filename() == "rendez-vous.ics"
    assert f"METHOD:{method}" in part.get_payload(decode=True).decode("utf-8")


@pytest.mark.parametrize("event", sorted(notifications.CALENDAR_EVENTS))
def test_every_appointment_email_declares_the_calendar_charset_once(bookable, employer_a, event):
    appointment = book(bookable, employer_a)
    if event == "cancelled":
        appointment = services.cancel_appointment(appointment=appointment, by=employer_a)
    mail.outbox.clear()
    assert notifications.send_appointment_email(
        appointment_id=appointment.pk, event=event, sequence=appointment.sequence
    )
    (message,) = mail.outbox
    (part,) = calendar_parts(message)
    assert_one_charset(part, "CANCEL" if event == "cancelled" else "PUBLISH")


@pytest.mark.parametrize("event", sorted(set(notifications.EVENTS) - set(notifications.CALENDAR_EVENTS)))
def test_an_email_that_changes_nothing_in_a_calendar_carries_no_ics(bookable, employer_a, event):
    appointment = book(bookable, employer_a)
    mail.outbox.clear()
    assert notifications.send_appointment_email(
        appointment_id=appointment.pk, event=event, sequence=appointment.sequence
    )
    (message,) = mail.outbox
    assert calendar_parts(message) == []


def test_the_cancellation_after_an_account_closure_declares_it_once(bookable, employer_a):
    book(bookable, employer_a)
    mail.outbox.clear()
    privacy.close_account(user=employer_a)
    parts = [part for message in mail.outbox for part in calendar_parts(message)]
    assert parts
    for part in parts:
        assert_one_charset(part, "CANCEL")
