"""The preparation checklist: what the employer should have ready for a topic's consultation.

Items belong to the topic (bilingual, ordered, managed in the admin: `ChecklistItem`); the
employer ticks the ones ready for one appointment (`ChecklistTick`), when booking or later from
the appointment page. Advisers see which appointments are not ready; the reminders repeat what
is missing.

Reads are batched: `checklists` and `missing_items` answer for a whole list of appointments in
one query, and `missing_count` is an annotation for appointment querysets (no query of its own).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.access import Role, role_of
from appointments.models import Appointment, ChecklistItem, ChecklistTick
from core.errors import ServiceError

# Why ticks cannot be changed (ChecklistError.code).
NOT_YOURS = "not_yours"  # not a representative of the appointment's company
NOT_CHANGEABLE = "not_changeable"  # cancelled, or already started
UNKNOWN_ITEM = "unknown_item"  # not an item of the appointment's topic


class ChecklistError(ServiceError):
    """The tick cannot be changed; `code` says why."""

    messages = {
        NOT_CHANGEABLE: gettext_lazy(
            "The appointment is cancelled or has started: its list can no longer be changed."
        ),
        UNKNOWN_ITEM: gettext_lazy("The list of documents has changed. Tick them again."),
        NOT_YOURS: gettext_lazy("Only the company's representatives can change this list."),
    }
    statuses = {NOT_CHANGEABLE: 409, UNKNOWN_ITEM: 400, NOT_YOURS: 403}


def may_tick(appointment: Appointment, user) -> bool:
    """A representative of the appointment's company (any of them: colleagues share it)."""
    return role_of(user) == Role.EMPLOYER and user.employer_profile.company_id == appointment.company_id


def is_changeable(appointment: Appointment, now: datetime | None = None) -> bool:
    return appointment.status == Appointment.Status.CONFIRMED and appointment.starts_at > (
        now or timezone.now()
    )


def tick_checklist(*, appointment: Appointment, item_ids, by, now: datetime | None = None) -> set[int]:
    """Set the appointment's ticks to exactly `item_ids` (items of its topic); returns them.

    `by` is a representative of the company, or None for the holder of the appointment's signed
    link (the view checked the link, as for cancelling). Raises ChecklistError: NOT_YOURS,
    NOT_CHANGEABLE (cancelled or started), UNKNOWN_ITEM (an id not of the topic: nothing is
    changed)."""
    now = now or timezone.now()
    wanted = {int(pk) for pk in item_ids}
    if by is not None and not may_tick(appointment, by):
        raise ChecklistError(NOT_YOURS)
    with transaction.atomic():
        # The appointment's row lock: two tabs saving at once end with one of the two sets.
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if not is_changeable(locked, now):
            raise ChecklistError(NOT_CHANGEABLE)
        known = set(
            ChecklistItem.objects.filter(topic_id=locked.topic_id, pk__in=wanted).values_list("pk", flat=True)
        )
        if known != wanted:
            raise ChecklistError(UNKNOWN_ITEM)
        ticks = ChecklistTick.objects.filter(appointment=locked)
        current = set(ticks.values_list("item_id", flat=True))
        if current - wanted:
            ticks.filter(item_id__in=current - wanted).delete()
        ChecklistTick.objects.bulk_create(
            [
                ChecklistTick(appointment=locked, item_id=pk, ticked_at=now, ticked_by=by)
                for pk in sorted(wanted - current)
            ],
            ignore_conflicts=True,
        )
    return wanted


# --- Reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One item of an appointment's checklist, ticked (`ready`) or not."""

    item: ChecklistItem
    ready: bool

    @property
    def id(self) -> int:
        return self.item.pk

    @property
    def name(self) -> str:
        return self.item.name


def _items_of(appointment_ids):
    """Checklist items × the appointments of their topic among `appointment_ids`, each row with
    `for_appointment` and `ready` (ticked for that appointment)."""
    ticked = ChecklistTick.objects.filter(appointment_id=OuterRef("for_appointment"), item_id=OuterRef("pk"))
    return (
        ChecklistItem.objects.annotate(for_appointment=F("topic__appointments"))
        .filter(for_appointment__in=appointment_ids)
        .annotate(ready=Exists(ticked))
        .order_by("for_appointment", "position", "pk")
    )


def checklists(appointments) -> dict[int, list[Entry]]:
    """Each appointment's checklist (its topic's items, ticked or not), by appointment id: 1 query."""
    ids = [a.pk for a in appointments]
    found: dict[int, list[Entry]] = {pk: [] for pk in ids}
    if ids:
        for item in _items_of(ids):
            found[item.for_appointment].append(Entry(item, item.ready))
    return found


def checklist(appointment: Appointment) -> list[Entry]:
    """One appointment's checklist: 1 query."""
    return checklists([appointment])[appointment.pk]


def missing_items(appointments) -> dict[int, list[ChecklistItem]]:
    """The items not ticked yet, by appointment id (every id present, maybe with []): 1 query."""
    ids = [a.pk for a in appointments]
    found: dict[int, list[ChecklistItem]] = {pk: [] for pk in ids}
    if ids:
        for item in _items_of(ids).filter(ready=False):
            found[item.for_appointment].append(item)
    return found


def missing_count():
    """An annotation for Appointment querysets: how many items of the topic are not ticked (0 when
    the topic has no checklist). A correlated subquery: no query of its own."""
    ticked = ChecklistTick.objects.filter(appointment_id=OuterRef(OuterRef("pk")), item_id=OuterRef("pk"))
    missing = (
        ChecklistItem.objects.filter(topic_id=OuterRef("topic_id"))
        .exclude(Exists(ticked))
        .order_by()
        .values("topic_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(missing, output_field=IntegerField()), Value(0))
