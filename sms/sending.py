"""Sending texts: claimed like the email reminders, sent at most once, each outcome recorded.

Claiming. `claim_due` locks a batch of due pending texts (`SELECT … FOR UPDATE SKIP LOCKED`) and
leases them in one short transaction: `next_attempt_at` becomes now + lease + random
microseconds, the claimer's token. A claimer that dies leaves rows that are due again when the
lease runs out.

Sending one text, at most once. Before the provider is asked, one transaction locks the month's
usage row (the cost cap), moves the text from pending to `sending` — only if it is still pending
under this claimer's token — and adds its cost; it commits, then the provider is called, then the
outcome is written if the row still carries the token. A worker killed after that commit leaves a
`sending` row: the sweep (`resolve_stale_sending`) gives it back to be sent again only when the
provider de-duplicates on our reference (the government gateway's Idempotency-Key: the phone still
gets one text); otherwise (Twilio) it becomes "outcome unknown" and is never sent twice — as for
the email reminders, a crash may lose a text but never duplicates one.

Every send checks again, at the last moment, what planning checked: the appointment has not
started (whatever the queue's delay), is still on (or cancelled, for a cancellation), the person
still wants this text and has a number not refused, and it is not the quiet hours in the
appointment's zone (then the text waits for 8 h). Refusals: "retry" errors back off (1 min,
doubling) up to MAX_ATTEMPTS; permanent ones are never retried — an invalid number is marked
refused and the person is told by email; ambiguous ones become "outcome unknown".
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from prometheus_client import Counter

from appointments.models import Appointment
from sms import links, planning, services, texts
from sms.models import MonthlyUsage, SmsContact, SmsMessage
from sms.providers import SendError, get_provider

logger = logging.getLogger(__name__)

Status = SmsMessage.Status
Reason = SmsMessage.Reason
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)

MESSAGES = Counter(
    "midi_sms_messages_total",
    "Texts by outcome: sent, retry, failed (refused), unknown (no answer), skipped, deferred (quiet"
    " hours), capped (monthly cap), lost (claimed elsewhere).",
    ["outcome"],
)
CAP_REFUSALS = Counter(
    "midi_sms_cap_refusals_total", "Texts not sent because the month's cost cap was reached."
)


def month_of(at: datetime) -> date:
    return at.date().replace(day=1)


@dataclass(frozen=True)
class Claim:
    token: datetime
    messages: list[SmsMessage]


def _due(now: datetime) -> Q:
    return Q(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=Status.PENDING,
        scheduled_at__lte=now,
    )


def claim_due(*, batch_size: int | None = None, lease_seconds: int | None = None) -> Claim:
    batch_size = batch_size or settings.SMS_BATCH_SIZE
    lease_seconds = lease_seconds or settings.SMS_LEASE_SECONDS
    now = timezone.now()
    token = now + timedelta(seconds=lease_seconds, microseconds=random.randrange(1, 1_000_000))
    with transaction.atomic():
        ids = list(
            SmsMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now))
            .order_by("scheduled_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if ids:
            SmsMessage.objects.filter(pk__in=ids).update(next_attempt_at=token)
    messages = list(
        SmsMessage.objects.filter(pk__in=ids, next_attempt_at=token)
        .select_related(
            "appointment__topic",
            "appointment__service_point__municipality",
            "appointment__municipality",
            "user__sms_contact",
        )
        .order_by("scheduled_at")
    )
    return Claim(token, messages)


def release(claim: Claim, messages: list[SmsMessage]) -> None:
    SmsMessage.objects.filter(
        pk__in=[m.pk for m in messages], status=Status.PENDING, next_attempt_at=claim.token
    ).update(next_attempt_at=None)


def _mine(message: SmsMessage, token: datetime, status: str = Status.PENDING):
    return SmsMessage.objects.filter(pk=message.pk, status=status, next_attempt_at=token)


def _contact(message: SmsMessage) -> SmsContact | None:
    try:
        return message.user.sms_contact
    except SmsContact.DoesNotExist:
        return None


def why_not_now(message: SmsMessage, contact: SmsContact | None, now: datetime) -> tuple[str, str | datetime]:
    """("send", ""), ("skip", reason) or ("defer", when) for a claimed text, checked at the last moment."""
    appointment = message.appointment
    if appointment.starts_at <= now:
        return "skip", Reason.STARTED
    if message.kind == SmsMessage.Kind.CANCELLATION:
        if appointment.status != Appointment.Status.CANCELLED:
            return "skip", Reason.NOT_CANCELLED
    elif appointment.status != Appointment.Status.CONFIRMED:
        return "skip", Reason.NOT_CONFIRMED
    if contact is None or not contact.can_receive:
        return "skip", Reason.NO_CONSENT
    if message.kind == SmsMessage.Kind.REMINDER:
        if message.minutes_before not in planning.reminder_offsets(appointment, contact):
            return "skip", Reason.NOT_WANTED
    elif not contact.changes:
        return "skip", Reason.NOT_WANTED
    allowed = planning.allowed_time(now, appointment.time_zone)
    if allowed != now:
        if allowed >= appointment.starts_at:
            return "skip", Reason.QUIET_HOURS
        return "defer", allowed
    return "send", ""


def _skip(message: SmsMessage, token: datetime, reason: str) -> bool:
    return bool(
        _mine(message, token).update(
            status=Status.SKIPPED, reason=reason, next_attempt_at=None, status_at=timezone.now()
        )
    )


def _begin(message: SmsMessage, token: datetime, *, contact: SmsContact, text: texts.Text, provider) -> str:
    """Pending → sending under the month's usage lock; "begun", "capped" or "lost". Commits."""
    cost = settings.SMS_COST_PER_SEGMENT * text.segments
    now = timezone.now()
    month = month_of(now)
    with transaction.atomic():
        usage = MonthlyUsage.objects.select_for_update().filter(month=month).first()
        if usage is None:  # the month's first text (get_or_create: two senders may race for it)
            MonthlyUsage.objects.get_or_create(month=month)
            usage = MonthlyUsage.objects.select_for_update().get(month=month)
        if usage.cost + cost > settings.SMS_MONTHLY_CAP:
            if not _skip(message, token, Reason.CAP):
                return "lost"
            MonthlyUsage.objects.filter(pk=usage.pk).update(refused=F("refused") + 1)
            return "capped"
        begun = _mine(message, token).update(
            status=Status.SENDING,
            to=contact.number,
            body=text.body,
            segments=text.segments,
            encoding=text.encoding,
            cost=cost,
            provider=provider.name,
            attempts=F("attempts") + 1,
            status_at=now,
        )
        if not begun:
            return "lost"
        MonthlyUsage.objects.filter(pk=usage.pk).update(
            messages=F("messages") + 1, segments=F("segments") + text.segments, cost=F("cost") + cost
        )
    return "begun"


def _refund(message: SmsMessage, cost) -> None:
    """A text the provider certainly did not send costs nothing."""
    MonthlyUsage.objects.filter(month=month_of(timezone.now())).update(
        messages=F("messages") - 1, segments=F("segments") - message.segments, cost=F("cost") - cost
    )


def callback_url(provider_name: str, message: SmsMessage) -> str:
    name = "sms_callbacks:twilio_status" if provider_name == "twilio" else "sms_callbacks:gateway_status"
    return f"{settings.SITE_URL}{reverse(name)}?ref={message.uid}"


def send_one(message: SmsMessage, token: datetime, *, provider=None) -> str:
    """Send one claimed text; returns its outcome (a MESSAGES label)."""
    provider = provider or get_provider()
    contact = _contact(message)
    now = timezone.now()
    action, detail = why_not_now(message, contact, now)
    if action == "skip":
        return "skipped" if _skip(message, token, detail) else "lost"
    if action == "defer":
        _mine(message, token).update(next_attempt_at=detail)
        return "deferred"
    text = texts.render(
        message.kind,
        message.appointment,
        language=message.language or settings.LANGUAGE_CODE,
        link=links.short_url(message.pk),
    )
    begun = _begin(message, token, contact=contact, text=text, provider=provider)
    if begun != "begun":
        if begun == "capped":
            CAP_REFUSALS.inc()
            logger.warning("text %s not sent: the month's cost cap is reached", message.pk)
        return begun
    message.segments = text.segments
    cost = settings.SMS_COST_PER_SEGMENT * text.segments
    try:
        sent = provider.send(
            to=contact.number,
            body=text.body,
            reference=str(message.uid),
            callback_url=callback_url(provider.name, message),
        )
    except SendError as error:
        return _record_error(message, token, error, contact=contact, cost=cost)
    SmsMessage.objects.filter(pk=message.pk, provider_id="").update(
        provider_id=sent.provider_id, sent_at=timezone.now()
    )
    _mine(message, token, Status.SENDING).update(
        status=Status.SENT,
        next_attempt_at=None,
        status_at=timezone.now(),
        last_error="",
        error_code="",
        reason="",
    )
    return "sent"


def _record_error(
    message: SmsMessage, token: datetime, error: SendError, *, contact: SmsContact, cost
) -> str:
    now = timezone.now()
    mine = _mine(message, token, Status.SENDING)
    fields = {"error_code": error.code[:20], "last_error": str(error)[:300], "status_at": now}
    logger.warning("text %s not sent (%s): %s", message.pk, error.outcome, error)
    if error.outcome == "retry" and message.attempts + 1 < MAX_ATTEMPTS:
        retry_at = now + FIRST_RETRY * 2**message.attempts
        if mine.update(status=Status.PENDING, next_attempt_at=retry_at, reason=Reason.RETRYING, **fields):
            _refund(message, cost)
        return "retry"
    if error.outcome == "ambiguous":
        mine.update(status=Status.UNKNOWN, next_attempt_at=None, reason=Reason.NO_ANSWER, **fields)
        return "unknown"
    reason = (
        Reason.NUMBER_REFUSED
        if error.invalid_number
        else Reason.OPTED_OUT
        if error.opted_out
        else Reason.REFUSED
    )
    if mine.update(status=Status.FAILED, next_attempt_at=None, reason=reason, **fields):
        _refund(message, cost)
    if error.invalid_number:
        services.mark_number_refused(user_id=contact.user_id, number=contact.number, reason=str(error))
    if error.opted_out:
        services.opt_out(user_id=contact.user_id, by=SmsContact.OptOut.PROVIDER)
    return "failed"


def resolve_stale_sending(*, now: datetime | None = None, provider=None) -> int:
    """Texts left `sending` by a sender that died: sent again when the provider de-duplicates on
    our reference (the cost counted at the first try is given back: it is counted again), else
    "outcome unknown" (never sent twice)."""
    now = now or timezone.now()
    provider = provider or get_provider()
    resolved = 0
    for pk, name, token, segments, cost in SmsMessage.objects.filter(
        status=Status.SENDING, next_attempt_at__lt=now
    ).values_list("pk", "provider", "next_attempt_at", "segments", "cost"):
        mine = SmsMessage.objects.filter(pk=pk, status=Status.SENDING, next_attempt_at=token)
        if provider.idempotent and name == provider.name:
            if mine.update(status=Status.PENDING, next_attempt_at=None):
                MonthlyUsage.objects.filter(month=month_of(now)).update(
                    messages=F("messages") - 1, segments=F("segments") - segments, cost=F("cost") - cost
                )
                resolved += 1
        else:
            resolved += mine.update(
                status=Status.UNKNOWN, next_attempt_at=None, status_at=now, reason=Reason.NO_ANSWER
            )
    return resolved


def send_due(
    *, budget_seconds: float = 50.0, batch_size: int | None = None, lease_seconds: int | None = None
) -> dict:
    """Claim and send due texts until none is due or the budget is spent; outcomes counted."""
    lease_seconds = lease_seconds or settings.SMS_LEASE_SECONDS
    deadline = time.monotonic() + budget_seconds
    provider = get_provider()
    outcomes: dict[str, int] = {}
    resolve_stale_sending(provider=provider)
    while time.monotonic() < deadline:
        claimed_at = time.monotonic()
        claim = claim_due(batch_size=batch_size, lease_seconds=lease_seconds)
        if not claim.messages:
            break
        for position, message in enumerate(claim.messages):
            # Stop well inside the lease (a text is not begun on a lease run out) and at the
            # deadline: what is left goes back at once, and the next claim takes it.
            now = time.monotonic()
            if now > deadline or now - claimed_at > lease_seconds / 2:
                release(claim, claim.messages[position:])
                break
            outcome = send_one(message, claim.token, provider=provider)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            MESSAGES.labels(outcome).inc()
    return outcomes
