"""Reads that may go to a PostgreSQL read replica (`DATABASE_REPLICA_URL`, alias "replica").

Only the code that asks for it reads there (the managers' dashboards and their CSV exports):
`replica_reads()` chooses the database once for the whole page and `ReplicaRouter` sends that
block's reads to it; writes and every other page stay on the primary. The choice falls back to the
primary when the replica does not answer or replays more than `REPLICA_MAX_LAG_SECONDS` behind
(`pg_last_xact_replay_timestamp()` against `now()` on the replica, zero when it has replayed all it
received from a live stream). The check runs at most every `REPLICA_CHECK_SECONDS` per process, so
what a page shows from the replica is at most `freshness_bound()` seconds old: the lag accepted at
the last check plus the time since it.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

ALIAS = "replica"
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
         AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END
"""

_reading_from: ContextVar[str | None] = ContextVar("replica_reads", default=None)
_lock = threading.Lock()
_last: dict = {}


@dataclass(frozen=True)
class Source:
    """Where a page's reads went. `state`: "replica" (used), "none" (no replica configured),
    "down" (did not answer), "lagging" (further behind than the bound)."""

    alias: str
    state: str
    lag: float | None = None

    @property
    def on_replica(self) -> bool:
        return self.alias == ALIAS

    @property
    def fell_back(self) -> bool:
        return self.state in ("down", "lagging")


def configured() -> bool:
    return ALIAS in settings.DATABASES


def freshness_bound() -> int:
    """How old, at most, what a page read from the replica can be (seconds)."""
    return settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_CHECK_SECONDS


def _check() -> tuple[str, float | None]:
    try:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as error:
        logger.warning("read replica unavailable: %s", error)
        with suppress(DatabaseError):
            connections[ALIAS].close()
        return "down", None
    return ("replica" if lag <= settings.REPLICA_MAX_LAG_SECONDS else "lagging"), lag


def choose() -> Source:
    """The database for a page's reads: the replica if it is up and fresh enough, else the primary."""
    if not configured():
        return Source("default", "none")
    now = time.monotonic()
    with _lock:
        if _last and now - _last["at"] < settings.REPLICA_CHECK_SECONDS:
            state, lag = _last["state"], _last["lag"]
        else:
            state, lag = _check()
            _last.update(at=time.monotonic(), state=state, lag=lag)
    return Source(ALIAS if state == "replica" else "default", state, lag)


def forget() -> None:
    """Drop the cached check (tests; an operator's shell after a fail-over)."""
    with _lock:
        _last.clear()


@contextmanager
def replica_reads() -> Iterator[Source]:
    """Within the block, reads go where `choose()` said (see the module's docstring)."""
    source = choose()
    token = _reading_from.set(source.alias if source.on_replica else None)
    try:
        yield source
    finally:
        _reading_from.reset(token)


def reading_from() -> str | None:
    """The alias of the enclosing `replica_reads()` block, if it chose the replica."""
    return _reading_from.get()


class ReplicaRouter:
    """Reads in a `replica_reads()` block that chose the replica go there; the rest is Django's
    default (the primary). Nothing is ever migrated on the replica: it copies the primary."""

    def db_for_read(self, model, **hints):
        return _reading_from.get()

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == ALIAS else None
