"""Booking metrics: slot-search latency, booking outcomes, reminders, and reminders waiting
(read at scrape time). Exposed by core.metrics with the rest."""

import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client import Counter, Histogram

from appointments.models import Mode, Reminder
from core.metrics import LATENCY_BUCKETS

SLOT_SEARCH_SECONDS = Histogram(
    "midi_slot_search_duration_seconds",
    "Time of one slot search (appointments.selectors.available_slots), by mode.",
    ["mode"],
    buckets=LATENCY_BUCKETS,
)
BOOKINGS = Counter(
    "midi_bookings",
    "Booking attempts (appointments.services.book_appointment): booked, or refused with its reason.",
    ["outcome", "reason"],
)
REMINDERS = Counter(
    "midi_reminders",
    "Reminders handled by the sending task: sent, lost (claimed by another sender) or retry.",
    ["outcome"],
)
MODES = frozenset(Mode.values)


def timed_slot_search(func):
    """Decorator for the slot search: its duration into SLOT_SEARCH_SECONDS, by mode."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            mode = kwargs.get("mode")
            SLOT_SEARCH_SECONDS.labels(mode if mode in MODES else "other").observe(
                time.perf_counter() - started
            )

    return wrapper


def counted_booking(refusal: type[Exception]):
    """Decorator for the booking service: count it booked, or refused (`refusal`, with its code)."""

    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            try:
                result = func(*args, **kwargs)
            except refusal as exc:
                BOOKINGS.labels("refused", getattr(exc, "code", "")).inc()
                raise
            BOOKINGS.labels("booked", "").inc()
            return result

        return wrapper

    return decorate


def reminders_waiting(now=None) -> list[tuple[str, str, int]]:
    """Reminders due and late: one query on the pending reminders' partial index."""
    now = now or timezone.now()
    late_after = now - timedelta(minutes=settings.REMINDER_LATE_MINUTES)
    counts = Reminder.objects.filter(status=Reminder.Status.PENDING, scheduled_at__lte=now).aggregate(
        due=Count("pk"), late=Count("pk", filter=Q(scheduled_at__lte=late_after))
    )
    return [
        ("midi_reminders_due", "Pending reminders whose time has come (scheduled_at <= now).", counts["due"]),
        (
            "midi_reminders_late",
            "Pending reminders more than REMINDER_LATE_MINUTES past their time.",
            counts["late"],
        ),
    ]
