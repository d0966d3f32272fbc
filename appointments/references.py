"""The reference number of an appointment: short, human, unique ("RV-7K3-Q9M").

People read it over the phone and copy it from a printed confirmation, so its alphabet leaves out
what is easily confused: 0/O, 1/I/L, and U (read as V). Six random symbols of 30 give 729 million
references: a new one is drawn with `secrets` and checked against the table (one query). The
unique constraint `appt_reference_unique` is the last guard: two bookings drawing the same free
reference at the same instant (once in 729 million pairs of simultaneous bookings) end as a lost
race does, the second refused with "just taken", to try again.

Staff type it as they hear it: `normalize` accepts any case, with or without the dashes, spaces
or the "RV" prefix.
"""

import re
import secrets
from collections.abc import Iterator

from django.db import transaction

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "RV"
LENGTH = 6  # random symbols, shown in two groups of three
MAX_LENGTH = len(PREFIX) + LENGTH + 2  # "RV-7K3-Q9M"
CONSTRAINT = "appt_reference_unique"
_TYPED = re.compile(rf"^(?:{PREFIX})?([{ALPHABET}]{{{LENGTH}}})$")


def _format(symbols: str) -> str:
    return f"{PREFIX}-{symbols[:3]}-{symbols[3:]}"


def new_reference() -> str:
    """A random reference; not checked against the table."""
    return _format("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def unused_reference(model, *, tries: int = 5) -> str:
    """A reference no row of `model` (Appointment, or its historical model in a migration) has:
    `tries` candidates checked in one query (with 1 000 000 rows, all five are taken once in
    10^15 draws)."""
    while True:
        candidates = {new_reference() for _ in range(tries)}
        taken = set(model.objects.filter(reference__in=candidates).values_list("reference", flat=True))
        free = sorted(candidates - taken)
        if free:
            return free[0]


def fresh_references(taken: set[str]) -> Iterator[str]:
    """References unlike any in `taken` and unlike each other (for many rows at once: the
    migration that gives existing rows theirs, the load generator). `taken` is updated."""
    while True:
        reference = new_reference()
        if reference not in taken:
            taken.add(reference)
            yield reference


def normalize(text: str) -> str | None:
    """The reference as stored ("RV-7K3-Q9M") from what a person typed ("rv7k3q9m", "7K3 Q9M",
    "RV-7K3-Q9M"), or None when it cannot be one."""
    compact = re.sub(r"[\s\-_.]", "", text or "").upper()
    match = _TYPED.match(compact)
    return _format(match.group(1)) if match else None


def backfill(model, *, using: str = "default", batch_size: int = 2000) -> int:
    """Give every row of `model` without a reference one; returns how many. A transaction per
    batch, so no row stays locked while the rest are done (migration 0013, `manage.py
    backfill_references`). The references already given are loaded once and never drawn again."""
    rows = model.objects.using(using)
    draw = fresh_references(set(rows.exclude(reference=None).values_list("reference", flat=True)))
    done = 0
    while True:
        with transaction.atomic(using=using):
            batch = list(rows.select_for_update().filter(reference=None).order_by("pk")[:batch_size])
            if not batch:
                return done
            for row in batch:
                row.reference = next(draw)
            rows.bulk_update(batch, ["reference"])
            done += len(batch)
