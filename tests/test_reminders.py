"""Reminders are planned with the appointment, follow it when moved, go when it is cancelled, and
are sent once, in the employer's language, with the manage link; a refusing server means later."""

import email
import socket
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse

from appointments import links, reminders, services
from appointments.models import Appointment, Mode, Reminder
from tests.booking_helpers import NOW, open_weekdays, tuesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def bookable(network):
    open_weekdays(network.advisor_a)
    return network


def book(network, employer, at):
    return services.book_appointment(
        company=employer.employer_profile.company,
        booked_by=employer,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        location=network.municipality_a,
        choice=services.SlotChoice(network.advisor_a.pk, network.point_a.pk, at),
    )


def planned(appointment):
    return list(
        Reminder.objects.filter(appointment=appointment, status=Reminder.Status.PENDING)
        .order_by("scheduled_at")
        .values_list("kind", "scheduled_at")
    )


class SMTPSink:
    """An SMTP server in a thread; `refuse` = None, "RCPT" or "DATA" (451 at that step)."""

    def __init__(self):
        self.received = Counter()
        self.refuse = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse == "RCPT":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse == "DATA":
            return "451 4.3.0 Mailbox busy"
        message = email.message_from_bytes(envelope.content)
        self.received[message["X-Reminder"]] += 1
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SMTPSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


def test_booking_plans_reminders_24_h_and_2_h_before(bookable, employer_a):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    assert planned(appointment) == [
        (24 * 60, appointment.starts_at - timedelta(hours=24)),
        (2 * 60, appointment.starts_at - timedelta(hours=2)),
    ]


def test_topic_offsets_decide_the_reminders_and_past_ones_are_skipped(bookable, employer_a):
    bookable.topic.reminder_offsets_minutes = [30, 3 * 24 * 60]  # 3 days before is already past
    bookable.topic.save()
    appointment = book(bookable, employer_a, tuesday(10, 30))
    assert planned(appointment) == [(30, appointment.starts_at - timedelta(minutes=30))]


def test_rescheduling_moves_the_reminders(bookable, employer_a):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    moved = services.reschedule_appointment(
        appointment=appointment,
        choice=services.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(14, 0)),
        by=employer_a,
    )
    assert planned(moved) == [
        (24 * 60, tuesday(14, 0) - timedelta(hours=24)),
        (2 * 60, tuesday(14, 0) - timedelta(hours=2)),
    ]


def test_cancelling_removes_the_reminders(bookable, employer_a):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    services.cancel_appointment(appointment=appointment, by=employer_a)
    assert not Reminder.objects.filter(appointment=appointment).exists()


def test_nothing_is_sent_before_it_is_due(bookable, employer_a):
    book(bookable, employer_a, tuesday(10, 30))
    mail.outbox.clear()
    assert reminders.send_due_reminders().sent == 0
    assert mail.outbox == []


def test_due_reminder_is_sent_once_in_french_with_the_manage_link(bookable, employer_a, clock):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    mail.outbox.clear()
    clock.move_to(tuesday(8, 31))  # both reminders are due
    assert reminders.send_due_reminders().sent == 2
    assert reminders.send_due_reminders().sent == 0
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == [employer_a.email]
    assert "24 novembre 2026, 10 h 30" in message.subject  # Québec time, fr-CA formats
    assert "10 h 30" in message.body
    url = reverse("appointments:manage", args=[links.manage_token(appointment)])
    assert url in message.body and not url.startswith("/en/")
    assert message.extra_headers["X-Reminder"] in {str(r.pk) for r in appointment.reminders.all()}
    assert all(r.status == Reminder.Status.SENT and r.sent_at for r in appointment.reminders.all())


def test_reminder_is_in_english_for_an_english_speaking_employer(bookable, employer_a, clock):
    employer_a.language = "en"
    employer_a.save()
    appointment = book(bookable, employer_a, tuesday(10, 30))
    mail.outbox.clear()
    clock.move_to(tuesday(8, 0))  # only the 24 h one is due
    assert reminders.send_due_reminders().sent == 1
    (message,) = mail.outbox
    assert "November 24, 2026" in message.subject
    assert "/en/" in message.body and links.manage_token(appointment) in message.body
    html = message.alternatives[0][0]
    assert 'lang="en"' in html and links.manage_token(appointment) in html


def test_reminder_of_a_cancelled_appointment_is_never_sent(bookable, employer_a, clock):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    clock.move_to(tuesday(8, 0))
    services.cancel_appointment(appointment=appointment, by=employer_a)
    mail.outbox.clear()
    assert reminders.send_due_reminders().sent == 0
    assert mail.outbox == []


def test_reminders_are_sent_once_over_smtp(bookable, employer_a, clock, smtp):
    appointments = [book(bookable, employer_a, tuesday(*at)) for at in ((10, 30), (14, 0))]
    clock.move_to(tuesday(9, 0))  # the two 24 h reminders and the 10:30 one's 2 h reminder
    assert reminders.send_due_reminders().sent == 3
    assert reminders.send_due_reminders().sent == 0
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sorted(smtp.received) == sorted(str(pk) for pk in sent.values_list("pk", flat=True))
    assert set(smtp.received.values()) == {1}
    assert {r.appointment_id for r in sent} == {a.pk for a in appointments}


@pytest.mark.parametrize("step", ["RCPT", "DATA"])
def test_a_refusing_server_means_a_retry_later_not_a_loss(bookable, employer_a, clock, smtp, settings, step):
    settings.REMINDER_RETRY_MINUTES = 5
    book(bookable, employer_a, tuesday(10, 30))
    clock.move_to(tuesday(8, 0))
    smtp.refuse = step
    report = reminders.send_due_reminders()
    assert (report.sent, report.retry) == (0, 1)
    reminder = Reminder.objects.get(kind=24 * 60)
    assert reminder.status == Reminder.Status.PENDING
    assert reminder.attempts == 1 and reminder.sent_at is None
    assert reminder.next_attempt_at == tuesday(8, 5)
    assert reminder.last_error.startswith("451")

    clock.move_to(tuesday(8, 4))  # not yet
    assert reminders.send_due_reminders().retry == 1 - 1
    clock.move_to(tuesday(8, 5))  # still refusing: the wait doubles
    reminders.send_due_reminders()
    reminder.refresh_from_db()
    assert reminder.attempts == 2 and reminder.next_attempt_at == tuesday(8, 15)

    smtp.refuse = None
    clock.move_to(tuesday(8, 15))
    assert reminders.send_due_reminders().sent == 1
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert smtp.received == Counter({str(reminder.pk): 1})


def test_a_reminder_claimed_by_someone_else_meanwhile_is_not_delivered(bookable, employer_a, clock, smtp):
    book(bookable, employer_a, tuesday(10, 30))
    clock.move_to(tuesday(8, 0))
    claim = reminders.claim_due_reminders()
    (reminder,) = claim.reminders
    # The lease ran out and another worker claimed it (its own lease value).
    Reminder.objects.filter(pk=reminder.pk).update(next_attempt_at=claim.token + timedelta(seconds=1))
    with reminders.ReminderMailer() as mailer:
        assert reminders.deliver(mailer, reminder, claim.token) == reminders.LOST
        assert smtp.received == Counter()  # the unfinished DATA was dropped by the server
        outcome = reminders.deliver(mailer, reminder, claim.token + timedelta(seconds=1))
    assert outcome == reminders.SENT
    assert smtp.received == Counter({str(reminder.pk): 1})


def test_a_claimed_reminder_is_not_due_for_another_claimer(bookable, employer_a, clock):
    book(bookable, employer_a, tuesday(10, 30))
    clock.move_to(tuesday(8, 0))
    assert len(reminders.claim_due_reminders(lease_seconds=60).reminders) == 1
    assert reminders.claim_due_reminders().reminders == []
    clock.move_to(tuesday(8, 2))  # the first claimer died: the lease ran out
    assert len(reminders.claim_due_reminders().reminders) == 1


def test_reminders_of_started_appointments_are_given_up(bookable, employer_a, clock):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    clock.move_to(tuesday(10, 31))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    mail.outbox.clear()
    assert reminders.send_due_reminders().sent == 0
    assert set(appointment.reminders.values_list("status", flat=True)) == {Reminder.Status.FAILED}
    assert mail.outbox == []
