"""Sending the sessions' emails exactly once: the appointment reminders' machinery, on `Notice` rows.

`claim_due` leases a batch of due rows (`SELECT … FOR UPDATE SKIP LOCKED`, then `next_attempt_at`
= a lease that is also the claimer's token, committed), `deliver` sends them through
`core.mailer.ReminderMailer` with `mark_sent` as its commit: one autocommitted `UPDATE … WHERE id
IN (…) AND status='pending' AND next_attempt_at=<token> RETURNING id` before any SMTP server gets
the end of a message. A worker killed before that commit leaves unfinished DATAs (discarded) and
pending rows (sent later, once); a worker whose lease was taken gets no id back and drops its
session. So a participant is told once or, in a crash at the wrong microsecond, not at all — never
twice (docs/architecture.md, "Exactly-once email = commit before the end of DATA").
"""

import logging
import random
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation

from core.mailer import DeliveryError, ReminderMailer
from group_sessions import emails
from group_sessions.models import GroupSession, Notice, Registration

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
MAX_ATTEMPTS = 8
MAX_RETRY_MINUTES = 6 * 60


def _due(now: datetime) -> Q:
    still_useful = ~Q(kind=Notice.Kind.REMINDER) | Q(
        registration__status=Registration.Status.CONFIRMED,
        registration__session__status=GroupSession.Status.SCHEDULED,
        registration__session__starts_at__gt=now,
    )
    return Q(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        still_useful,
        status=Notice.Status.PENDING,
        scheduled_at__lte=now,
    )


def claim_due(*, batch_size: int = 50, lease_seconds: int = LEASE_SECONDS) -> tuple[datetime, list[Notice]]:
    """Lease a batch of due notices, oldest first, to this caller: (token, notices)."""
    now = timezone.now()
    token = now + timedelta(seconds=lease_seconds, microseconds=random.randrange(1, 1_000_000))
    with transaction.atomic():
        ids = list(
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now))
            .order_by("scheduled_at", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            Notice.objects.filter(pk__in=ids).update(next_attempt_at=token)
    notices = list(
        Notice.objects.filter(pk__in=ids, next_attempt_at=token)
        .select_related(
            "participant",
            "message",
            "registration__company",
            "registration__session__topic",
            "registration__session__language",
            "registration__session__advisor__user",
            "registration__session__service_point__municipality",
        )
        .order_by("scheduled_at", "pk")
    )
    return token, notices


def expire_missed(*, now: datetime | None = None) -> int:
    """Reminders no longer useful (the session started, was cancelled, or the registration was)."""
    now = now or timezone.now()
    return (
        Notice.objects.filter(kind=Notice.Kind.REMINDER, status=Notice.Status.PENDING)
        .filter(
            Q(registration__session__starts_at__lte=now)
            | ~Q(registration__status=Registration.Status.CONFIRMED)
            | ~Q(registration__session__status=GroupSession.Status.SCHEDULED)
        )
        .update(status=Notice.Status.FAILED, last_error="No longer useful when it came due.")
    )


def mark_sent(ids: list[int], token: datetime, sent_at: datetime) -> set[int]:
    """Mark sent, in one autocommitted statement, those of `ids` still pending under `token`."""
    if not ids:
        return set()
    if connection.vendor != "postgresql":
        return {
            pk
            for pk in ids
            if Notice.objects.filter(pk=pk, status=Notice.Status.PENDING, next_attempt_at=token).update(
                status=Notice.Status.SENT, sent_at=sent_at, next_attempt_at=None, last_error=""
            )
        }
    table = connection.ops.quote_name(Notice._meta.db_table)
    sql = (
        f"UPDATE {table} SET status = %s, sent_at = %s, next_attempt_at = NULL, last_error = ''"
        f" WHERE id IN ({', '.join(['%s'] * len(ids))}) AND status = %s AND next_attempt_at = %s RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Notice.Status.SENT.value, sent_at, *ids, Notice.Status.PENDING.value, token])
        return {row[0] for row in cursor.fetchall()}


def _retry(notice: Notice, error: str, **owned) -> None:
    attempts = notice.attempts + 1
    minutes = min(settings.REMINDER_RETRY_MINUTES * 2 ** (attempts - 1), MAX_RETRY_MINUTES)
    Notice.objects.filter(pk=notice.pk, **owned).update(
        status=Notice.Status.FAILED if attempts >= MAX_ATTEMPTS else Notice.Status.PENDING,
        sent_at=None,
        attempts=attempts,
        next_attempt_at=timezone.now() + timedelta(minutes=minutes),
        last_error=error[:300],
    )


def deliver(mailer: ReminderMailer, notices: list[Notice], token: datetime) -> dict[int, str]:
    """Send claimed notices (up to the mailer's capacity) with one commit: per id sent, lost or retry."""
    outcomes, mails = {}, []
    owned = {"status": Notice.Status.PENDING, "next_attempt_at": token}
    for notice in notices[: mailer.capacity]:
        with translation.override(notice.registration.language or settings.LANGUAGE_CODE):
            mails.append((notice.pk, emails.mail_of(notice)))
    sent_at = timezone.now()
    results = mailer.send_batch(mails, lambda ids: mark_sent(ids, token, sent_at))
    by_pk = {notice.pk: notice for notice in notices}
    for pk, result in results.items():
        if result is True:
            outcomes[pk] = "sent"
        elif result is False:
            outcomes[pk] = "lost"
        else:
            if result.committed:
                _retry(by_pk[pk], str(result), status=Notice.Status.SENT, sent_at=sent_at)
            else:
                _retry(by_pk[pk], str(result), **owned)
            logger.warning("Session email %s not delivered: %s", pk, result)
            outcomes[pk] = "retry"
    return outcomes


def send_due(*, budget_seconds: float = 50.0, batch_size: int = 50) -> dict[str, int]:
    """Claim and send due notices until none is due or the budget is spent."""
    deadline = time.monotonic() + budget_seconds
    report = {"sent": 0, "lost": 0, "retry": 0}
    expire_missed()
    with ReminderMailer() as mailer:
        while time.monotonic() < deadline:
            token, notices = claim_due(batch_size=batch_size)
            if not notices:
                break
            unsent = notices
            while unsent:
                try:
                    outcomes = deliver(mailer, unsent, token)
                except DeliveryError as exc:
                    logger.warning("Session emails not delivered: %s", exc)
                    Notice.objects.filter(pk__in=[n.pk for n in unsent], next_attempt_at=token).update(
                        next_attempt_at=timezone.now() + timedelta(minutes=settings.REMINDER_RETRY_MINUTES)
                    )
                    report["retry"] += len(unsent)
                    return report
                for outcome in outcomes.values():
                    report[outcome] += 1
                unsent = [n for n in unsent if n.pk not in outcomes]
                if time.monotonic() > deadline:
                    Notice.objects.filter(pk__in=[n.pk for n in unsent], next_attempt_at=token).update(
                        next_attempt_at=None
                    )
                    break
    return report
