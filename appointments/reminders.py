"""Appointment reminders: planned with the appointment, sent exactly once by the beat task.

Planning. `plan_reminders` (book, reschedule) replaces an appointment's pending reminders by one
per `Topic.reminder_offsets_minutes` still ahead; `cancel_reminders` deletes the pending ones.
Sent reminders stay as history, and the unique (appointment, kind, scheduled_at) keeps a sent
reminder from being planned again.

Claiming. `claim_due_reminders` locks a batch of due rows with `SELECT … FOR UPDATE SKIP LOCKED`
(concurrent claimers take disjoint batches) and, in the same short transaction, sets their
`next_attempt_at` to a lease: now + lease + random microseconds. The lease is the claim: once
committed, the rows are no longer due for anyone else, and a claimer that dies leaves rows that
become due again when the lease runs out. The exact lease value is also the claimer's token.
Why not keep the row locks while sending: each row's "sent" mark must be committed on its own,
before its message is finished; committing the claim transaction releases every lock of the
batch, and an UPDATE from a second connection would wait on the first one's lock.

Sending (appointments.mailer). Per row: MAIL, RCPT, DATA, the message without its final
`CRLF . CRLF`; then `UPDATE … SET status='sent' WHERE id=… AND status='pending' AND
next_attempt_at=<my lease>`, autocommitted; only if it changed one row is the end of DATA written.
A worker killed before that commit leaves an unfinished DATA (the server discards it) and a
pending row (sent later, once). A worker whose lease ran out and was re-claimed, or whose row was
rescheduled or cancelled meanwhile, changes no row and drops the connection instead. So
correctness never depends on the lease length, only how soon a dead worker's rows come back.
A refusal before the commit schedules a retry; after it (the reply to the end of DATA) the row
goes back from sent to pending with the retry. Left: a kill between the commit and the five
bytes reaching the socket loses that one reminder (a miss, never a duplicate).
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .links import manage_url
from .mailer import DeliveryError, ReminderMailer
from .models import Appointment, Reminder
from .notifications import location_text, recipients

logger = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("America/Toronto")  # times in emails are Québec times
DEFAULT_LEASE_SECONDS = 60
MAX_ATTEMPTS = 8  # with 5-minute steps doubling (capped at 6 h): about a day of retries
MAX_RETRY_MINUTES = 6 * 60


# --- Planning -----------------------------------------------------------------------------------


def plan_reminders(appointment: Appointment, *, now: datetime | None = None) -> int:
    """Replace the appointment's pending reminders by one per topic offset still ahead."""
    now = now or timezone.now()
    cancel_reminders(appointment)
    offsets = sorted(
        {int(m) for m in appointment.topic.reminder_offsets_minutes or [] if isinstance(m, int) and m > 0},
        reverse=True,
    )
    planned = [
        Reminder(appointment=appointment, kind=minutes, scheduled_at=at)
        for minutes in offsets
        if (at := appointment.starts_at - timedelta(minutes=minutes)) > now
    ]
    # A reminder already sent for the same time stays the only one (the unique constraint).
    Reminder.objects.bulk_create(planned, ignore_conflicts=True)
    return len(planned)


def cancel_reminders(appointment: Appointment) -> None:
    """Delete the appointment's reminders not sent yet (a claimed one will find no row to mark)."""
    Reminder.objects.filter(appointment=appointment, status=Reminder.Status.PENDING).delete()


# --- Claiming -----------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=Reminder.Status.PENDING,
        scheduled_at__lte=now,
        appointment__status=Appointment.Status.CONFIRMED,
        appointment__starts_at__gt=now,
    )


@dataclass(frozen=True)
class Claim:
    token: datetime  # the lease written to next_attempt_at: "claimed by me until then"
    reminders: list[Reminder]


def claim_due_reminders(*, batch_size: int | None = None, lease_seconds: int | None = None) -> Claim:
    """Lease a batch of due reminders, oldest first, to this caller."""
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    lease_seconds = lease_seconds or getattr(settings, "REMINDER_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)
    now = timezone.now()
    token = now + timedelta(seconds=lease_seconds, microseconds=random.randrange(1, 1_000_000))
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now))
            .order_by("scheduled_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(next_attempt_at=token)
    reminders = list(
        Reminder.objects.filter(pk__in=ids, next_attempt_at=token)
        .select_related(
            "appointment__advisor__user",
            "appointment__topic",
            "appointment__service_point__municipality",
            "appointment__municipality",
            "appointment__company",
            "appointment__booked_by",
        )
        .order_by("scheduled_at")
    )
    return Claim(token, reminders)


def release(claim: Claim, reminders: list[Reminder]) -> None:
    """Give unsent claimed reminders back at once, instead of when the lease runs out."""
    Reminder.objects.filter(
        pk__in=[r.pk for r in reminders], status=Reminder.Status.PENDING, next_attempt_at=claim.token
    ).update(next_attempt_at=None)


def expire_missed_reminders(*, now: datetime | None = None) -> int:
    """Pending reminders of appointments already started can no longer be useful: failed."""
    now = now or timezone.now()
    return Reminder.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=Reminder.Status.PENDING,
        appointment__starts_at__lte=now,
    ).update(status=Reminder.Status.FAILED, last_error="The appointment started before it could be sent.")


# --- Sending ------------------------------------------------------------------------------------


def reminder_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The email of one reminder, in the language of whoever booked the appointment."""
    appointment = reminder.appointment
    people = recipients(appointment)
    language = appointment.booked_by.language if appointment.booked_by_id else settings.LANGUAGE_CODE
    user = appointment.booked_by if appointment.booked_by_id else None
    with translation.override(language), timezone.override(LOCAL_TZ):
        context = {
            "appointment": appointment,
            "reminder": reminder,
            "user": user,
            "language": language,
            "location": location_text(appointment),
            "manage_url": manage_url(appointment, language=language),
            "site_url": settings.SITE_URL,
        }
        subject = " ".join(render_to_string("appointments/email/reminder_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("appointments/email/reminder.txt", context),
            to=[person.email for person in people],
            headers={
                "X-Reminder": str(reminder.pk),
                "Message-ID": f"<reminder.{reminder.pk}@{_domain()}>",
            },
        )
        message.attach_alternative(render_to_string("appointments/email/reminder.html", context), "text/html")
    return message


def _domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rstrip(">")
    return address.rsplit("@", 1)[-1] if "@" in address else "midi-regions"


def _retry_at(attempts: int, now: datetime) -> datetime:
    minutes = min(settings.REMINDER_RETRY_MINUTES * 2 ** (attempts - 1), MAX_RETRY_MINUTES)
    return now + timedelta(minutes=minutes)


def _schedule_retry(reminder: Reminder, error: str, **owned) -> None:
    """Back to pending with one more attempt, if the row is still as this sender left it."""
    now = timezone.now()
    attempts = reminder.attempts + 1
    Reminder.objects.filter(pk=reminder.pk, **owned).update(
        status=Reminder.Status.FAILED if attempts >= MAX_ATTEMPTS else Reminder.Status.PENDING,
        sent_at=None,
        attempts=attempts,
        next_attempt_at=_retry_at(attempts, now),
        last_error=error[:300],
    )


SENT, LOST, RETRY = "sent", "lost", "retry"


def deliver(mailer: ReminderMailer, reminder: Reminder, token: datetime) -> str:
    """Send one claimed reminder; SENT, LOST (claim taken or row gone) or RETRY."""
    message = reminder_message(reminder)
    if not message.to:
        _schedule_retry(
            reminder, "No active recipient.", status=Reminder.Status.PENDING, next_attempt_at=token
        )
        return RETRY
    sent_at = timezone.now()

    def mark_sent() -> bool:
        return (
            Reminder.objects.filter(
                pk=reminder.pk, status=Reminder.Status.PENDING, next_attempt_at=token
            ).update(status=Reminder.Status.SENT, sent_at=sent_at, next_attempt_at=None, last_error="")
            == 1
        )

    try:
        delivered = mailer.send(message, mark_sent)
    except DeliveryError as exc:
        if exc.committed:
            _schedule_retry(reminder, str(exc), status=Reminder.Status.SENT, sent_at=sent_at)
        else:
            _schedule_retry(reminder, str(exc), status=Reminder.Status.PENDING, next_attempt_at=token)
        logger.warning("Reminder %s not delivered: %s", reminder.pk, exc)
        if exc.connection_failed:
            raise
        return RETRY
    return SENT if delivered else LOST


@dataclass
class RunReport:
    sent: int = 0
    lost: int = 0
    retry: int = 0


def send_due_reminders(
    *, budget_seconds: float = 50.0, batch_size: int | None = None, lease_seconds: int | None = None
) -> RunReport:
    """Claim and send due reminders, batch after batch, until none is due or the budget is spent."""
    lease_seconds = lease_seconds or getattr(settings, "REMINDER_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)
    deadline = time.monotonic() + budget_seconds
    report = RunReport()
    expire_missed_reminders()
    with ReminderMailer() as mailer:
        while time.monotonic() < deadline:
            claimed_at = time.monotonic()
            claim = claim_due_reminders(batch_size=batch_size, lease_seconds=lease_seconds)
            if not claim.reminders:
                break
            for index, reminder in enumerate(claim.reminders):
                # Stop well inside the lease (rows are not sent on a lease already run out) and
                # at the deadline; what is left goes back at once.
                now = time.monotonic()
                if now > deadline or now - claimed_at > lease_seconds / 2:
                    release(claim, claim.reminders[index:])
                    break
                try:
                    outcome = deliver(mailer, reminder, claim.token)
                except DeliveryError:
                    # No SMTP session: the next beat tick tries again.
                    release(claim, claim.reminders[index + 1 :])
                    report.retry += 1
                    return report
                setattr(report, outcome, getattr(report, outcome) + 1)
    return report
