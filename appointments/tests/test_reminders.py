"""Reminders are planned with the appointment, follow it when moved, go when it is cancelled, and
are sent once, in the employer's language, with the manage link; a refusing server means later."""

import email
import email.policy
import socket
import time
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from appointments import links, reminders, services
from appointments.models import Appointment, Reminder
from core import local_time
from core.emails import one_line
from core.mailer import Mail
from tests.booking_helpers import book, due_reminders, open_weekdays, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

QUARTER_HOUR = timedelta(minutes=15)  # due_reminders packs Tuesday from 9:00


@pytest.fixture
def bookable(network):
    open_weekdays(network.advisor_a)
    return network


def planned(appointment):
    return list(
        Reminder.objects.filter(appointment=appointment, status=Reminder.Status.PENDING)
        .order_by("scheduled_at")
        .values_list("kind", "scheduled_at")
    )


class SMTPSink:
    """An SMTP server in a thread; `refuse` = None, "RCPT" or "DATA" (451 at that step);
    `refuse_reminders`: ids whose DATA gets a 451."""

    def __init__(self):
        self.received = Counter()
        self.refuse = None
        self.refuse_reminders = set()
        self.peers = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse == "RCPT":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        if self.refuse == "DATA" or message["X-Reminder"] in self.refuse_reminders:
            return "451 4.3.0 Mailbox busy"
        self.received[message["X-Reminder"]] += 1
        self.peers.add(session.peer)
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


def test_due_reminder_is_sent_once_in_french_with_the_manage_link(bookable, employer_a, frozen_now):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    mail.outbox.clear()
    frozen_now.move_to(tuesday(8, 31))  # both reminders are due
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


def test_reminder_is_in_english_for_an_english_speaking_employer(bookable, employer_a, frozen_now):
    employer_a.language = "en"
    employer_a.save()
    appointment = book(bookable, employer_a, tuesday(10, 30))
    mail.outbox.clear()
    frozen_now.move_to(tuesday(8, 0))  # only the 24 h one is due
    assert reminders.send_due_reminders().sent == 1
    (message,) = mail.outbox
    assert "November 24, 2026" in message.subject
    assert "/en/" in message.body and links.manage_token(appointment) in message.body
    html = message.alternatives[0][0]
    assert 'lang="en"' in html and links.manage_token(appointment) in html


def test_reminder_of_a_cancelled_appointment_is_never_sent(bookable, employer_a, frozen_now):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    frozen_now.move_to(tuesday(8, 0))
    services.cancel_appointment(appointment=appointment, by=employer_a)
    mail.outbox.clear()
    assert reminders.send_due_reminders().sent == 0
    assert mail.outbox == []


def test_reminders_are_sent_once_over_smtp(bookable, employer_a, frozen_now, smtp):
    appointments = [book(bookable, employer_a, tuesday(*at)) for at in ((10, 30), (14, 0))]
    frozen_now.move_to(tuesday(9, 0))  # the two 24 h reminders and the 10:30 one's 2 h reminder
    assert reminders.send_due_reminders().sent == 3
    assert reminders.send_due_reminders().sent == 0
    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    assert sorted(smtp.received) == sorted(str(pk) for pk in sent.values_list("pk", flat=True))
    assert set(smtp.received.values()) == {1}
    assert {r.appointment_id for r in sent} == {a.pk for a in appointments}


@pytest.mark.parametrize("step", ["RCPT", "DATA"])
def test_a_refusing_server_means_a_retry_later_not_a_loss(
    bookable, employer_a, frozen_now, smtp, settings, step
):
    settings.REMINDER_RETRY_MINUTES = 5
    book(bookable, employer_a, tuesday(10, 30))
    frozen_now.move_to(tuesday(8, 0))
    smtp.refuse = step
    report = reminders.send_due_reminders()
    assert (report.sent, report.retry) == (0, 1)
    reminder = Reminder.objects.get(kind=24 * 60)
    assert reminder.status == Reminder.Status.PENDING
    assert reminder.attempts == 1 and reminder.sent_at is None
    assert reminder.next_attempt_at == tuesday(8, 5)
    assert reminder.last_error.startswith("451")

    frozen_now.move_to(tuesday(8, 4))  # not yet
    assert reminders.send_due_reminders().retry == 1 - 1
    frozen_now.move_to(tuesday(8, 5))  # still refusing: the wait doubles
    reminders.send_due_reminders()
    reminder.refresh_from_db()
    assert reminder.attempts == 2 and reminder.next_attempt_at == tuesday(8, 15)

    smtp.refuse = None
    frozen_now.move_to(tuesday(8, 15))
    assert reminders.send_due_reminders().sent == 1
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert smtp.received == Counter({str(reminder.pk): 1})


def test_a_reminder_claimed_by_someone_else_meanwhile_is_not_delivered(
    bookable, employer_a, frozen_now, smtp
):
    book(bookable, employer_a, tuesday(10, 30))
    frozen_now.move_to(tuesday(8, 0))
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


def test_a_claimed_reminder_is_not_due_for_another_claimer(bookable, employer_a, frozen_now):
    book(bookable, employer_a, tuesday(10, 30))
    frozen_now.move_to(tuesday(8, 0))
    assert len(reminders.claim_due_reminders(lease_seconds=60).reminders) == 1
    assert reminders.claim_due_reminders().reminders == []
    frozen_now.move_to(tuesday(8, 2))  # the first claimer died: the lease ran out
    assert len(reminders.claim_due_reminders().reminders) == 1


def test_reminders_of_started_appointments_are_given_up(bookable, employer_a, frozen_now):
    appointment = book(bookable, employer_a, tuesday(10, 30))
    frozen_now.move_to(tuesday(10, 31))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    mail.outbox.clear()
    assert reminders.send_due_reminders().sent == 0
    assert set(appointment.reminders.values_list("status", flat=True)) == {Reminder.Status.FAILED}
    assert mail.outbox == []


@pytest.fixture
def tricky(bookable, employer_a):
    """Values the HTML part must escape, and French."""
    employer_a.first_name = 'Zoé <b> & "fils"'
    employer_a.save()
    company = employer_a.employer_profile.company
    company.legal_name = "Déjà <vu> & l'Équipe inc."
    company.save()
    bookable.topic.name_fr = bookable.topic.name_en = "Travail & <études> d'été"
    bookable.topic.save()
    return employer_a


@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_reminder_is_rendered_as_the_templates_render_it(tricky, bookable, frozen_now, language):
    tricky.language = language
    tricky.save()
    appointment = book(bookable, tricky, tuesday(10, 30))
    reminder = Reminder.objects.filter(appointment=appointment).first()
    context = reminders.reminder_context(reminder, language)
    # The values are what the template filters gave them.
    with translation.override(language), timezone.override(local_time.zone(appointment.time_zone)):
        when = Template(
            '{{ a.starts_at|date:"WEEKDAY_DATE_FORMAT" }}, '
            '{{ a.starts_at|time:"TIME_FORMAT" }}–{{ a.ends_at|time:"TIME_FORMAT" }}|'
            '{{ a.starts_at|date:"DATETIME_FORMAT" }}|{{ a.get_mode_display }}|{{ a.advisor }}'
        ).render(Context({"a": appointment}, autoescape=False))
    assert when == (
        f"{context['day']}, {context['start_time']}–{context['end_time']}|"
        f"{context['when']}|{context['mode']}|{context['adviser']}"
    )
    assert context["name"] == tricky.first_name and context["company"] == "Déjà <vu> & l'Équipe inc."
    # Rendered once per language with slots, filled per message: the same text.
    with translation.override(language):
        expected = {
            key: render_to_string(template, {"language": language, **context})
            for key, template in reminders.TEMPLATES.items()
        }
    for key, template in reminders.TEMPLATES.items():
        assert reminders.render(template, language, context) == expected[key]
    assert "Zoé &lt;b&gt; &amp; &quot;fils&quot;" in expected["html"]
    assert 'Zoé <b> & "fils"' in expected["text"]
    message = reminders.reminder_email(reminder)
    assert message.subject == one_line(expected["subject"])
    assert (message.text, message.html) == (expected["text"], expected["html"])


def test_the_message_is_multipart_utf8_with_the_reminder_headers(tricky, bookable, frozen_now, settings):
    appointment = book(bookable, tricky, tuesday(10, 30))
    reminder = Reminder.objects.filter(appointment=appointment).first()
    message = reminders.reminder_email(reminder)
    message.subject = "Rappel : consultation le 24 décembre 2026 — " + "é" * 80  # folded encoded words
    raw = message.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998 and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == message.subject
    assert parsed["From"] == settings.DEFAULT_FROM_EMAIL
    assert parsed["To"] == tricky.email
    assert parsed["X-Reminder"] == str(reminder.pk)
    assert parsed["Message-ID"] == f"<reminder.{reminder.pk}@midi.example>"
    assert parsed["Date"].datetime is not None
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text["Content-Transfer-Encoding"] == "8bit"
    assert text.get_content().replace("\r\n", "\n") == message.text
    assert html.get_content().replace("\r\n", "\n") == message.html
    # Django's message for the same email has the same content.
    django = email.message_from_bytes(message.django().message().as_bytes(), policy=email.policy.default)
    assert django.get_body(("plain",)).get_content() == message.text


def test_a_line_too_long_for_smtp_is_quoted_printable():
    message = Mail(subject="s", text="a" * 2000 + "\n", html="<p>é</p>", to=["x@example.com"])
    raw = message.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    text = parsed.get_body(("plain",))
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content().replace("\r\n", "\n") == "a" * 2000 + "\n"


def test_mark_sent_marks_only_what_the_claim_still_owns(bookable, employer_a, frozen_now):
    due = due_reminders(bookable, employer_a, 3, first=tuesday(9), every=QUARTER_HOUR)
    claim = reminders.claim_due_reminders()
    others = claim.token + timedelta(seconds=1)
    Reminder.objects.filter(pk=due[1].pk).update(next_attempt_at=others)
    marked = reminders.mark_sent([r.pk for r in due], claim.token, timezone.now())
    assert marked == {due[0].pk, due[2].pk}
    assert reminders.mark_sent([r.pk for r in due], claim.token, timezone.now()) == set()
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert statuses == {due[0].pk: "sent", due[1].pk: "pending", due[2].pk: "sent"}


def test_reminders_go_out_in_batches_over_several_connections(
    bookable, employer_a, frozen_now, smtp, settings
):
    settings.REMINDER_SMTP_CONNECTIONS = 3
    due = due_reminders(bookable, employer_a, 8, first=tuesday(9), every=QUARTER_HOUR)
    assert reminders.send_due_reminders().sent == 8
    assert smtp.received == Counter({str(r.pk): 1 for r in due})
    assert len(smtp.peers) == 3


def test_in_a_batch_a_refusal_or_a_lost_claim_touches_only_its_own_reminder(
    bookable, employer_a, frozen_now, smtp, settings
):
    settings.REMINDER_SMTP_CONNECTIONS = 4
    due = due_reminders(bookable, employer_a, 4, first=tuesday(9), every=QUARTER_HOUR)
    claim = reminders.claim_due_reminders()
    taken, refused = claim.reminders[1], claim.reminders[2]
    Reminder.objects.filter(pk=taken.pk).update(next_attempt_at=claim.token + timedelta(seconds=1))
    smtp.refuse_reminders = {str(refused.pk)}
    with reminders.ReminderMailer() as mailer:
        outcomes = reminders.deliver_batch(mailer, claim.reminders, claim.token)
        assert outcomes == {
            due[0].pk: reminders.SENT,
            taken.pk: reminders.LOST,
            refused.pk: reminders.RETRY,
            due[3].pk: reminders.SENT,
        }
        assert smtp.received == Counter({str(due[0].pk): 1, str(due[3].pk): 1})
        # Refused after the commit: back to pending, one attempt counted, and the session still works.
        refused.refresh_from_db()
        assert (refused.status, refused.attempts, refused.sent_at) == (Reminder.Status.PENDING, 1, None)
        assert refused.last_error.startswith("451")
        smtp.refuse_reminders = set()
        frozen_now.move_to(refused.next_attempt_at)
        again = reminders.claim_due_reminders()  # the other claimer's lease ran out too
        assert {r.pk for r in again.reminders} == {taken.pk, refused.pk}
        outcomes = reminders.deliver_batch(mailer, again.reminders, again.token)
        assert outcomes == {taken.pk: reminders.SENT, refused.pk: reminders.SENT}
    assert smtp.received == Counter({str(r.pk): 1 for r in due})


class Killed(BaseException):
    """Stands for the process dying where it is raised."""


def test_a_worker_dying_before_its_batch_commit_delivers_nothing_and_loses_nothing(
    bookable, employer_a, frozen_now, smtp, settings, monkeypatch
):
    settings.REMINDER_SMTP_CONNECTIONS = 4
    due = due_reminders(bookable, employer_a, 6, first=tuesday(9), every=QUARTER_HOUR)

    def die(*args):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(reminders, "mark_sent", die)
        with pytest.raises(Killed):
            reminders.send_due_reminders()
    time.sleep(0.2)  # the server had every message but its end: it discards them
    assert smtp.received == Counter()
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.PENDING}
    frozen_now.shift(timedelta(seconds=reminders.DEFAULT_LEASE_SECONDS + 2))  # the dead claim runs out
    assert reminders.send_due_reminders().sent == 6
    assert smtp.received == Counter({str(r.pk): 1 for r in due})
