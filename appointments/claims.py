"""Claims on an adviser's time kept by other apps.

Slot search and booking count an adviser's time as taken by their appointments and by whatever
other apps register here (`register`, from their AppConfig.ready): the waitlist's held offers
today; group sessions and synced calendars as they come. A source returns, for the moment `now`,
a queryset of rows with `advisor_id`, `starts_at` and `ends_at`; slot search filters it to its
window and UNIONs it with the appointments in one query, and booking checks the chosen time
against it under the adviser's row lock.

A source says whether its claims count toward the adviser's daily maximum of appointments
(`counts`): a held waitlist offer does (it is an appointment about to be confirmed); a busy time
from the adviser's own calendar does not (it blocks its hours, nothing more).

`keep` names one claim that does not count against the booking being made (the waitlist offer
being confirmed books its own held time): each source recognises the keys it issued.
"""

from collections.abc import Callable
from datetime import datetime

from django.db.models import BooleanField, QuerySet, Value

ClaimSource = Callable[[datetime, str | None], QuerySet]

_SOURCES: dict[ClaimSource, bool] = {}  # source → its claims count toward the daily maximum


def register(source: ClaimSource, *, counts: bool = True) -> None:
    _SOURCES.setdefault(source, counts)


def claimed(*, now: datetime, keep: str | None = None, **window) -> list[QuerySet]:
    """Each source's claims filtered by `window` (Django lookups on advisor_id, starts_at,
    ends_at), as (advisor_id, starts_at, ends_at, counts) value lists ready for a UNION."""
    return [
        source(now, keep)
        .filter(**window)
        .order_by()
        .annotate(claim_counts=Value(counts, output_field=BooleanField()))
        .values_list("advisor_id", "starts_at", "ends_at", "claim_counts")
        for source, counts in _SOURCES.items()
    ]
