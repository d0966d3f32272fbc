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
Why not keep the row locks while sending: the "sent" marks must be committed, a few rows at a
time, before their messages are finished; committing the claim transaction would release every
lock of the batch, and an UPDATE from a second connection would wait on the first one's lock.

Rendering. The reminder templates get plain values only (`reminder_context`: names, Québec
dates and times in the reader's formats, the manage link, and the checklist items the employer
has not ticked yet, pre-rendered as text and as escaped HTML from `reminder_missing.*`: empty
when nothing is missing; loaded for the whole claimed batch with one query). Each template is
rendered once per language with a stand-in for every value, and kept; a message is that text
with its values put back, HTML-escaped where the template escapes them: the same output as
render_to_string, at the cost of a join. The templates stay the source of the wording (and of
the msgids).

Sending (core.mailer), a batch at a time: up to REMINDER_SMTP_CONNECTIONS reminders, one
per SMTP session, side by side: MAIL, RCPT, DATA and each message without its final
`CRLF . CRLF`; then ONE autocommitted `UPDATE … SET status='sent' WHERE id IN (…) AND
status='pending' AND next_attempt_at=<my lease> RETURNING id` (`mark_sent`; PostgreSQL and
SQLite ≥ 3.35, else one UPDATE a row); only the sessions whose id came back get the end of DATA,
the others are closed. A worker killed before that commit leaves unfinished DATAs (the servers
discard them) and pending rows (sent later, once). A worker whose lease ran out and was
re-claimed, or whose row was rescheduled or cancelled meanwhile, gets no id back for it and drops
that session instead. So correctness never depends on the lease length, only how soon a dead
worker's rows come back. A refusal before the commit schedules a retry; after it (the reply to
the end of DATA) the row goes back from sent to pending with the retry. Left: a kill between the
commit and the five bytes of each message reaching its socket loses those reminders (misses,
never duplicates); that window is a few microseconds a message.
"""

import html
import logging
import random
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from appointments import meetings, metrics
from appointments.checklist import missing_items
from appointments.links import manage_url
from appointments.models import Appointment, Reminder
from appointments.notifications import location_text, recipients
from core import local_time, typography
from core.emails import one_line, render_plain
from core.mailer import DeliveryError, Mail, ReminderMailer

logger = logging.getLogger(__name__)

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
    attach_missing_items(reminders)
    return Claim(token, reminders)


def attach_missing_items(reminders: list[Reminder]) -> None:
    """The checklist items not ticked of each reminder's appointment, for the whole batch: 1 query."""
    appointments = [reminder.appointment for reminder in reminders]
    missing = missing_items(appointments)
    for appointment in appointments:
        appointment.checklist_missing = missing[appointment.pk]


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


# --- Rendering ----------------------------------------------------------------------------------

TEMPLATES = {
    "subject": "appointments/email/reminder_subject.txt",
    "text": "appointments/email/reminder.txt",
    "html": "appointments/email/reminder.html",
}
# What the reminder templates get, besides `language`: plain strings, computed per message.
FIELDS = (
    "name",
    "reference",  # "RV-7K3-Q9M" (appointments.references); "—" for a row not given one yet
    "reference_suffix",  # " – RV-7K3-Q9M" after the subject, or ""
    "topic",
    "day",
    "start_time",
    "end_time",
    "when",  # the date and start time, with the zone named when it is not Eastern time
    "zone_note",  # " (heure de l’Atlantique)" after the times, or "" in Eastern time
    "mode",
    "location",
    "adviser",
    "company",
    "manage_url",
    "missing_text",  # appointments.checklist: documents not ticked yet (rendered, may be empty)
    "missing_html",  # the same as HTML, escaped: the template shows it with autoescape off
    "meeting_text",  # appointments.meetings: the line with the link to join a video meeting, or ""
    "meeting_html",  # the same as HTML, escaped: the template shows it with autoescape off
)
MISSING_TEMPLATES = ("appointments/email/reminder_missing.txt", "appointments/email/reminder_missing.html")
MEETING_TEMPLATES = ("appointments/email/reminder_meeting.txt", "appointments/email/reminder_meeting.html")


def reminder_language(reminder: Reminder) -> str:
    appointment = reminder.appointment
    return appointment.booked_by.language if appointment.booked_by_id else settings.LANGUAGE_CODE


def reminder_context(reminder: Reminder, language: str) -> dict[str, str]:
    """The templates' values for one reminder: times in the meeting's zone (Appointment.time_zone),
    `language`'s words and formats."""
    appointment = reminder.appointment
    user = appointment.booked_by if appointment.booked_by_id else None
    zone = appointment.time_zone
    starts_at = local_time.in_zone(appointment.starts_at, zone)
    ends_at = local_time.in_zone(appointment.ends_at, zone)
    with translation.override(language):
        note = local_time.zone_note(zone)
        zone_note = f" {note}" if note else ""
        values = {
            "name": (user and (user.first_name or user.email)) or appointment.company.legal_name,
            "reference": appointment.reference or "—",
            "reference_suffix": f" – {appointment.reference}" if appointment.reference else "",
            "topic": appointment.topic.name,
            "day": typography.format_date(starts_at, "WEEKDAY_DATE_FORMAT"),
            "start_time": typography.format_time(starts_at),
            "end_time": typography.format_time(ends_at),
            "when": typography.format_datetime(starts_at) + zone_note,
            "zone_note": zone_note,
            "mode": appointment.get_mode_display(),
            "location": location_text(appointment),
            "adviser": appointment.advisor,
            "company": appointment.company.legal_name,
            "manage_url": manage_url(appointment, language=language),
            **_missing_values(appointment),
            **_meeting_values(appointment),
        }
        return {key: str(value) for key, value in values.items()}


def _missing_values(appointment: Appointment) -> dict[str, str]:
    """`missing_text` and `missing_html` in the active language ("" and "" when all is ready)."""
    items = getattr(appointment, "checklist_missing", None)
    if items is None:  # not claimed through claim_due_reminders (a test, the shell): 1 query
        items = missing_items([appointment])[appointment.pk]
    if not items:
        return {"missing_text": "", "missing_html": ""}
    context = {"items": [item.name for item in items]}
    text, html_part = (render_to_string(template, context) for template in MISSING_TEMPLATES)
    return {"missing_text": text, "missing_html": html_part}


def _meeting_values(appointment: Appointment) -> dict[str, str]:
    """`meeting_text` and `meeting_html`: the employer's link to a video meeting, or "" and ""."""
    link = meetings.employer_link(appointment)
    if not link:
        return {"meeting_text": "", "meeting_html": ""}
    text, html_part = (render_to_string(template, {"link": link}) for template in MEETING_TEMPLATES)
    return {"meeting_text": text, "meeting_html": html_part}


class _Slot(str):
    """Stands for a template variable: renders as U+E000 r:name U+E001, or with h: where the
    template escapes it (conditional_escape calls __html__)."""

    def __new__(cls, name: str):
        slot = super().__new__(cls, f"\ue000r:{name}\ue001")
        slot.html = f"\ue000h:{name}\ue001"
        return slot

    def __html__(self) -> str:
        return self.html


_SLOT = re.compile(r"\ue000([rh]):(\w+)\ue001")
_cached_parts: dict[tuple[str, str], tuple] = {}


def _parts(template: str, language: str) -> tuple:
    """The template rendered once for `language` with every value a slot: (text, (escaped, name), text, …)."""
    key = (template, language)
    if (parts := _cached_parts.get(key)) is None:
        # A .txt template (the subject, the text part) is plain text: rendered without escaping.
        render_template = render_plain if template.endswith(".txt") else render_to_string
        with translation.override(language):
            rendered = render_template(template, {"language": language, **{n: _Slot(n) for n in FIELDS}})
        pieces = _SLOT.split(rendered)
        texts = pieces[0::3]
        if any("\ue000" in t or "\ue001" in t for t in texts) or not set(pieces[2::3]) <= set(FIELDS):
            raise ImproperlyConfigured(f"{template}: only plain {{{{ value }}}} of {FIELDS} can be used.")
        parts = [texts[0]]
        for kind, name, text in zip(pieces[1::3], pieces[2::3], texts[1:], strict=True):
            parts += [(kind == "h", name), text]
        _cached_parts[key] = parts = tuple(parts)
    return parts


def render(template: str, language: str, values: dict[str, str]) -> str:
    """Same as render_to_string(template, {"language": language, **values}) for reminder templates,
    at the cost of a join: the wording is rendered once per language and kept."""
    escaped = {}
    out = []
    for part in _parts(template, language):
        if part.__class__ is str:
            out.append(part)
        elif part[0]:
            name = part[1]
            if (value := escaped.get(name)) is None:
                # What conditional_escape does to a str: django.utils.html.escape.
                value = escaped[name] = html.escape(values[name])
            out.append(value)
        else:
            out.append(values[part[1]])
    return "".join(out)


def reminder_email(reminder: Reminder) -> Mail:
    """The email of one reminder, in the language of whoever booked the appointment."""
    language = reminder_language(reminder)
    values = reminder_context(reminder, language)
    return Mail(
        subject=one_line(render(TEMPLATES["subject"], language, values)),
        text=render(TEMPLATES["text"], language, values),
        html=render(TEMPLATES["html"], language, values),
        to=[person.email for person in recipients(reminder.appointment)],
        headers={"X-Reminder": str(reminder.pk), "Message-ID": f"<reminder.{reminder.pk}@{_domain()}>"},
    )


def reminder_message(reminder: Reminder) -> EmailMultiAlternatives:
    return reminder_email(reminder).django()


def _domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rstrip(">")
    return address.rsplit("@", 1)[-1] if "@" in address else "midi-regions"


# --- Sending ------------------------------------------------------------------------------------


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


def _update_returning() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def mark_sent(ids: list[int], token: datetime, sent_at: datetime) -> set[int]:
    """Mark sent, in one autocommitted statement, those of `ids` still pending under `token`;
    returns their ids."""
    if not ids:
        return set()
    if not _update_returning():
        return {
            pk
            for pk in ids
            if Reminder.objects.filter(pk=pk, status=Reminder.Status.PENDING, next_attempt_at=token).update(
                status=Reminder.Status.SENT, sent_at=sent_at, next_attempt_at=None, last_error=""
            )
        }
    meta, quote = Reminder._meta, connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in ("status", "sent_at", "next_attempt_at")}
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {column['status']} = %s, {column['sent_at']} = %s,"
        f" {column['next_attempt_at']} = NULL, {quote(meta.get_field('last_error').column)} = ''"
        f" WHERE {quote(meta.pk.column)} IN ({', '.join(['%s'] * len(ids))})"
        f" AND {column['status']} = %s AND {column['next_attempt_at']} = %s"
        f" RETURNING {quote(meta.pk.column)}"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [Reminder.Status.SENT.value, adapt(sent_at), *ids, Reminder.Status.PENDING.value, adapt(token)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


SENT, LOST, RETRY = "sent", "lost", "retry"


def deliver_batch(mailer: ReminderMailer, reminders: list[Reminder], token: datetime) -> dict[int, str]:
    """Send claimed reminders, up to `mailer.capacity` at once, with one commit: per id SENT, LOST
    (claim taken or row gone) or RETRY. Ids left out were not tried (fewer SMTP sessions
    opened). Raises DeliveryError (connection_failed) when no SMTP session could be opened."""
    outcomes, mails = {}, []
    for reminder in reminders[: mailer.capacity]:
        mail = reminder_email(reminder)
        if mail.to:
            mails.append((reminder.pk, mail))
        else:
            owned = {"status": Reminder.Status.PENDING, "next_attempt_at": token}
            _schedule_retry(reminder, "No active recipient.", **owned)
            outcomes[reminder.pk] = RETRY
    if not mails:
        return outcomes
    sent_at = timezone.now()
    results = mailer.send_batch(mails, lambda ids: mark_sent(ids, token, sent_at))
    by_pk = {reminder.pk: reminder for reminder in reminders}
    for pk, result in results.items():
        if result is True:
            outcomes[pk] = SENT
        elif result is False:
            outcomes[pk] = LOST
        else:
            if result.committed:
                _schedule_retry(by_pk[pk], str(result), status=Reminder.Status.SENT, sent_at=sent_at)
            else:
                owned = {"status": Reminder.Status.PENDING, "next_attempt_at": token}
                _schedule_retry(by_pk[pk], str(result), **owned)
            logger.warning("Reminder %s not delivered: %s", pk, result)
            outcomes[pk] = RETRY
    return outcomes


def deliver(mailer: ReminderMailer, reminder: Reminder, token: datetime) -> str:
    """Send one claimed reminder; SENT, LOST (claim taken or row gone) or RETRY."""
    return deliver_batch(mailer, [reminder], token)[reminder.pk]


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
            unsent = claim.reminders
            while unsent:
                # Stop well inside the lease (rows are not sent on a lease already run out) and
                # at the deadline; what is left goes back at once.
                now = time.monotonic()
                if now > deadline or now - claimed_at > lease_seconds / 2:
                    release(claim, unsent)
                    break
                try:
                    outcomes = deliver_batch(mailer, unsent, claim.token)
                except DeliveryError as exc:
                    # No SMTP session: one attempt counted, the rest goes back; the next beat
                    # tick tries again.
                    owned = {"status": Reminder.Status.PENDING, "next_attempt_at": claim.token}
                    _schedule_retry(unsent[0], str(exc), **owned)
                    logger.warning("Reminders not delivered: %s", exc)
                    release(claim, unsent[1:])
                    report.retry += 1
                    metrics.REMINDERS.labels(RETRY).inc()
                    return report
                for outcome in outcomes.values():
                    setattr(report, outcome, getattr(report, outcome) + 1)
                    metrics.REMINDERS.labels(outcome).inc()
                unsent = [reminder for reminder in unsent if reminder.pk not in outcomes]
    return report
