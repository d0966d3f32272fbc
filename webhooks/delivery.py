"""Sending deliveries: one endpoint at a time, in order per object, retried with backoff.

Claiming. `_claim_batch` locks the endpoint's oldest due deliveries whose object has no earlier
delivery still pending (so a partner receives an appointment's "booked" before its "cancelled",
even when the first needed retries), `SKIP LOCKED`, and leases them: `next_attempt_at` moves to
now + lease (+ random microseconds, the claimer's token) and commits; they are then sent one
after the other, each outcome written as soon as the partner has answered. A worker killed while
sending leaves a row that becomes due again when the lease runs out; its outcome is written only
if the row still carries this claimer's lease. So a delivery is sent at least once and, unless a
worker dies between the partner's answer and that write, once: receivers de-duplicate on
`Webhook-Id` for the rest.

Each endpoint is its own task (`webhooks.deliver_endpoint`): a slow partner occupies one worker
for at most WEBHOOK_TIMEOUT_SECONDS a delivery and never delays another partner's deliveries.

Failures. Anything but a 2xx (a timeout, a refused connection, a redirect, a 500) is retried
after 30 s, doubling up to an hour, with jitter; a delivery still failing 24 h
(WEBHOOK_GIVE_UP_AFTER) after its event is given up. An endpoint that has answered nothing but
failures for WEBHOOK_DISABLE_AFTER is disabled and the administrators are emailed; its pending
deliveries wait for it to be enabled again. The administrator can send any delivery again.
"""

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from prometheus_client import Counter

from core.queue import enqueue
from webhooks import addresses, signing
from webhooks.models import Delivery, DeliveryAttempt, Endpoint

logger = logging.getLogger(__name__)

DELIVERIES = Counter(
    "midi_webhook_deliveries_total",
    "Webhook POSTs by outcome (delivered, failed: will retry, given_up).",
    ["outcome"],
)
DISABLED = Counter("midi_webhook_endpoints_disabled_total", "Endpoints disabled after failing too long.")
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str
    duration_ms: int


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(
        delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False
    ).encode()


def post(endpoint: Endpoint, delivery: Delivery) -> Outcome:
    """One POST; never raises for the partner's side."""
    body = body_of(delivery)
    started = time.monotonic()
    try:
        addresses.check_url(endpoint.url)
        response = requests.post(
            endpoint.url,
            data=body,
            headers=signing.headers(
                secret=endpoint.secret, event_id=str(delivery.event_id), timestamp=int(time.time()), body=body
            ),
            timeout=(settings.WEBHOOK_TIMEOUT_SECONDS, settings.WEBHOOK_TIMEOUT_SECONDS),
            allow_redirects=False,
            stream=True,
        )
        response.close()  # the answer's body is not read: a partner cannot make us download
    except ValidationError as error:
        return Outcome(False, None, " ".join(error.messages)[:300], _ms(started))
    except requests.Timeout:
        return Outcome(False, None, f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS} s", _ms(started))
    except requests.RequestException as error:
        return Outcome(False, None, f"{type(error).__name__}: {error}"[:300], _ms(started))
    ok = 200 <= response.status_code < 300
    error = "" if ok else f"HTTP {response.status_code}"
    return Outcome(ok, response.status_code, error, _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _due(endpoint_id: int, now: datetime):
    earlier_pending = Delivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        object_key=OuterRef("object_key"),
        status=Delivery.Status.PENDING,
        id__lt=OuterRef("id"),
    )
    return (
        Delivery.objects.filter(
            endpoint_id=endpoint_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
        )
        .exclude(Exists(earlier_pending))
        .order_by("id")
    )


BATCH = 20


def _claim_batch(endpoint_id: int, now: datetime) -> tuple[list[Delivery], datetime]:
    """Lease up to BATCH due deliveries of the endpoint (the first pending one of each object)."""
    lease = now + timedelta(
        seconds=settings.WEBHOOK_LEASE_SECONDS, microseconds=random.randrange(1, 1_000_000)
    )
    with transaction.atomic():
        ids = list(
            _due(endpoint_id, now).select_for_update(skip_locked=True).values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return [], lease
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=lease)
    return list(Delivery.objects.filter(pk__in=ids).order_by("id")), lease


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min… up to an hour, with up to 10 % jitter (partners recover together)."""
    delay = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    return delay + delay * random.random() * 0.1


def _record(delivery: Delivery, lease: datetime, outcome: Outcome, now: datetime) -> bool:
    """Write the outcome if the row is still ours; returns whether it was."""
    DeliveryAttempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
        error=outcome.error,
    )
    mine = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING, next_attempt_at=lease)
    if outcome.delivered:
        done = mine.update(
            status=Delivery.Status.DELIVERED,
            delivered_at=now,
            attempts=F("attempts") + 1,
            last_status_code=outcome.status_code,
            last_error="",
        )
        Endpoint.objects.filter(pk=delivery.endpoint_id, failing_since__isnull=False).update(
            failing_since=None
        )
        DELIVERIES.labels("delivered").inc()
        return bool(done)
    attempts = delivery.attempts + 1
    give_up = now - delivery.created_at >= settings.WEBHOOK_GIVE_UP_AFTER
    done = mine.update(
        status=Delivery.Status.FAILED if give_up else Delivery.Status.PENDING,
        attempts=attempts,
        next_attempt_at=now + retry_delay(attempts),
        last_status_code=outcome.status_code,
        last_error=outcome.error,
    )
    DELIVERIES.labels("given_up" if give_up else "failed").inc()
    _note_failure(delivery.endpoint_id, now)
    return bool(done)


def _note_failure(endpoint_id: int, now: datetime) -> None:
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
        elif endpoint.is_active and now - endpoint.failing_since >= settings.WEBHOOK_DISABLE_AFTER:
            endpoint.is_active = False
            endpoint.disabled_at = now
            endpoint.disabled_reason = (
                f"Every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
            )
            endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
            DISABLED.inc()
            enqueue("webhooks.send_endpoint_disabled_email", endpoint.pk)
            logger.warning(
                "webhook endpoint %s disabled after failing since %s", endpoint.pk, endpoint.failing_since
            )


def deliver_endpoint(endpoint_id: int, *, budget_seconds: float = 50.0) -> int:
    """Send the endpoint's due deliveries until none is due, one fails or the budget is spent;
    returns how many were delivered. Does nothing for a disabled endpoint."""
    deadline = time.monotonic() + budget_seconds
    delivered = 0
    endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=True).first()
    while endpoint is not None and time.monotonic() < deadline:
        batch, lease = _claim_batch(endpoint_id, timezone.now())
        if not batch:
            break
        for position, item in enumerate(batch):
            outcome = post(endpoint, item)
            _record(item, lease, outcome, timezone.now())
            if not outcome.delivered or time.monotonic() >= deadline:
                # The endpoint is failing (or time is up): the rest of the batch is due again now,
                # for the next sweep, instead of waiting for the lease to run out.
                rest = [other.pk for other in batch[position + 1 :]]
                Delivery.objects.filter(pk__in=rest, next_attempt_at=lease).update(
                    next_attempt_at=timezone.now()
                )
                return delivered
            delivered += 1
        endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=True).first()
    return delivered


def endpoints_with_due_work(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by()
        .values_list("endpoint_id", flat=True)
        .distinct()
    )


def redeliver(deliveries) -> int:
    """The administrator's "send again": due now, whatever happened before (same event id)."""
    return deliveries.update(status=Delivery.Status.PENDING, next_attempt_at=timezone.now())
