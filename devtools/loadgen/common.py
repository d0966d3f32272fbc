"""What every part of the load shares: how load rows are recognised, the report, seeded
randomness and batched bulk writes."""

import random
import uuid
from collections.abc import Iterable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import islice

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from accounts.models import User

LOAD_EMAIL_DOMAIN = "load.example"
ADVISER_EMAIL = "load-adviser-{}@" + LOAD_EMAIL_DOMAIN
EMPLOYER_EMAIL = "load-employer-{}@" + LOAD_EMAIL_DOMAIN
NEQ_PREFIX = "9"

LOAD_ADVISERS = {"user__email__endswith": "@" + LOAD_EMAIL_DOMAIN}
LOAD_APPOINTMENTS = {"company__neq__startswith": NEQ_PREFIX}
LOAD_REQUESTS = {"company__neq__startswith": NEQ_PREFIX}

BATCH_SIZE = 5000
PAST_DAYS = 180


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seeded_network: bool = False
    skipped_appointments: bool = False
    elapsed: float = 0.0

    def add(self, kind: str, n: int) -> None:
        if n:
            self.created[kind] = self.created.get(kind, 0) + n


def rng_for(seed: int, *key) -> random.Random:
    """One generator per kind of row: adding clones never shifts the companies' values."""
    return random.Random(":".join(str(k) for k in (seed, *key)))


def random_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def load_user(email: str, first_name: str, last_name: str, rng: random.Random) -> User:
    """A load user: nobody signs in as one (an unusable password, drawn from `rng`)."""
    return User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=UNUSABLE_PASSWORD_PREFIX + f"{rng.getrandbits(160):040x}",
    )


@contextmanager
def _dated_by_hand(model, field_name: str = "created_at"):
    """Let bulk_create keep the `auto_now_add` date we set: load rows have a past."""
    model_field = model._meta.get_field(field_name)
    model_field.auto_now_add = False
    try:
        yield
    finally:
        model_field.auto_now_add = True


def bulk(model, objects: Iterable, report: LoadReport, kind: str, *, dated: bool = False) -> int:
    """Insert `objects` (a list, or a generator: rows are made batch by batch) BATCH_SIZE at a
    time; `dated` keeps the `created_at` they carry. Returns how many were inserted."""
    rows = iter(objects)
    count = 0
    while batch := list(islice(rows, BATCH_SIZE)):
        with _dated_by_hand(model) if dated else nullcontext():
            model.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        count += len(batch)
    report.add(kind, count)
    return count
