"""Survey emails sent exactly once by the beat: the invitation, then at most one reminder.

As appointments.reminders, and with the same mailer (core.mailer.ReminderMailer): the database is
the queue. A run claims due surveys with `SELECT … FOR UPDATE SKIP LOCKED` and writes a lease to
`next_attempt_at` (concurrent runs take disjoint rows; a dead run's rows come back when the lease
runs out). Each batch is sent over SMTP up to the end of DATA; then one transaction marks
`invited_at` (or `reminded_at`) of the rows still leased to this run and still unmarked, and
only those messages are finished. A worker killed before that commit delivered nothing and
marked nothing; a run whose lease was taken over marks nothing and drops its sessions. So an
invitation and a reminder each go out once, and a survey is chased at most once.

Due: an invitation once the survey exists and its appointment is still "completed" (an outcome
corrected to no-show stops it); the reminder REMINDER_AFTER after the invitation, if the survey
is still unanswered and the appointment still completed.
"""

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appointments.models import Appointment
from core.mailer import DeliveryError, ReminderMailer
from feedback.models import Survey
from feedback.notifications import INVITATION, REMINDER, survey_email

logger = logging.getLogger(__name__)

REMINDER_AFTER = timedelta(days=4)
LEASE_SECONDS = 60
MAX_ATTEMPTS = 6  # retries 5 min apart, doubling: about 2.5 h, then the survey is not sent
RETRY_MINUTES = 5
BATCH_SIZE = 100
MARKS = {INVITATION: "invited_at", REMINDER: "reminded_at"}


def _due(kind: str, now: datetime) -> Q:
    due = Q(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        appointment__status=Appointment.Status.COMPLETED,
        recipient__is_active=True,
        attempts__lt=MAX_ATTEMPTS,
    )
    if kind == INVITATION:
        return due & Q(invited_at__isnull=True)
    return due & Q(invited_at__lte=now - REMINDER_AFTER, reminded_at__isnull=True, answered_at__isnull=True)


def claim(kind: str, *, batch_size: int = BATCH_SIZE, lease_seconds: int = LEASE_SECONDS) -> tuple:
    """Lease a batch of surveys due for `kind` to this caller: (token, surveys)."""
    now = timezone.now()
    token = now + timedelta(seconds=lease_seconds, microseconds=random.randrange(1, 1_000_000))
    with transaction.atomic():
        ids = list(
            Survey.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(kind, now))
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            Survey.objects.filter(pk__in=ids).update(next_attempt_at=token)
    surveys = list(
        Survey.objects.filter(pk__in=ids, next_attempt_at=token).select_related(
            "recipient",
            "appointment__advisor__user",
            "appointment__topic",
            "appointment__company",
            "appointment__service_point__municipality",
            "appointment__municipality",
        )
    )
    return token, surveys


def mark_sent(kind: str, ids: list, token: datetime, at: datetime) -> set[int]:
    """Mark `kind` sent, in one committed transaction, for those of `ids` still leased under
    `token` and not marked yet; returns their ids."""
    mark = MARKS[kind]
    with transaction.atomic():
        owned = set(
            Survey.objects.select_for_update()
            .filter(pk__in=ids, next_attempt_at=token, **{f"{mark}__isnull": True})
            .values_list("pk", flat=True)
        )
        Survey.objects.filter(pk__in=owned).update(
            **{mark: at}, next_attempt_at=None, attempts=0, last_error=""
        )
    return owned


def _retry(survey: Survey, error: str, *, kind: str, token: datetime, committed: bool) -> None:
    """One more attempt later, if the row is still as this run left it: leased to it, or (the
    server refused after the commit) marked sent by it, a mark to undo."""
    attempts = survey.attempts + 1
    later = timezone.now() + timedelta(minutes=RETRY_MINUTES * 2 ** (attempts - 1))
    owned = {f"{MARKS[kind]}__isnull": False} if committed else {"next_attempt_at": token}
    Survey.objects.filter(pk=survey.pk, **owned).update(
        **{MARKS[kind]: None}, attempts=attempts, next_attempt_at=later, last_error=error[:300]
    )


def _release(surveys: list[Survey], token: datetime) -> None:
    Survey.objects.filter(pk__in=[s.pk for s in surveys], next_attempt_at=token).update(next_attempt_at=None)


@dataclass
class RunReport:
    sent: dict = field(default_factory=lambda: {INVITATION: 0, REMINDER: 0})
    lost: int = 0
    retry: int = 0


def send_due_surveys(*, batch_size: int = BATCH_SIZE, lease_seconds: int = LEASE_SECONDS) -> RunReport:
    """Send every due invitation, then every due reminder, a claimed batch at a time."""
    report = RunReport()
    with ReminderMailer() as mailer:
        for kind in (INVITATION, REMINDER):
            while True:
                token, surveys = claim(kind, batch_size=batch_size, lease_seconds=lease_seconds)
                if not surveys:
                    break
                if not _deliver(mailer, kind, surveys, token, report):
                    return report
    return report


def _deliver(mailer: ReminderMailer, kind: str, surveys: list[Survey], token: datetime, report) -> bool:
    """Send one claimed batch; False when no SMTP session could be opened (try next tick)."""
    unsent = surveys
    while unsent:
        batch = unsent[: mailer.capacity]
        by_pk = {s.pk: s for s in batch}
        try:
            results = mailer.send_batch(
                [(s.pk, survey_email(s, kind)) for s in batch],
                lambda ids: mark_sent(kind, ids, token, timezone.now()),
            )
        except DeliveryError as exc:
            logger.warning("Survey emails not delivered: %s", exc)
            _retry(unsent[0], str(exc), kind=kind, token=token, committed=False)
            _release(unsent[1:], token)
            report.retry += 1
            return False
        for pk, result in results.items():
            if result is True:
                report.sent[kind] += 1
            elif result is False:
                report.lost += 1
            else:
                logger.warning("Survey %s (%s) not delivered: %s", pk, kind, result)
                _retry(by_pk[pk], str(result), kind=kind, token=token, committed=result.committed)
                report.retry += 1
        tried = set(results)
        if not tried:
            _release(unsent, token)
            return True
        unsent = [s for s in unsent if s.pk not in tried]
    return True
