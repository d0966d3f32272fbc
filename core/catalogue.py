"""The catalogue generation: a number that changes with every change to the tables it watches.

Some reads are made of rows that change rarely (advisers, their hours, exceptions, time off,
points, topics) and are read on every request (the slot search). A process keeps them in memory
under the generation they were read with, and reads the generation — one indexed query — before
trusting its copy (`Snapshot`). The number is changed by **database triggers**, not by Django
signals, so nothing escapes it: the admin, services, the API, `QuerySet.update()`, bulk
creates, data migrations, seeds and raw SQL all change it, in the same transaction as the rows,
so it is visible exactly when they are. On PostgreSQL a statement on a watched table first takes
the next value of a sequence (BEFORE STATEMENT, so concurrent writers of the catalogue queue on
the one row before touching any other); a value is never reused, even by a rolled-back
transaction, so a copy read inside a transaction that was rolled back can never pass for a later
one. On SQLite (the embedded runtime) each row changed draws a random 63-bit value.

A copy read after the generation is at least as new as the generation it is stored under (rows
are read after it, each committed change bumps it), so a stale copy is never trusted: a change
committed by any process is seen by every other process's next read.

Tables are watched by migrations (`watch_tables`), in the app that knows them: core knows no
domain.
"""

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connection

TABLE = "core_cataloguegeneration"
SEQUENCE = "core_cataloguegeneration_seq"
FUNCTION = "core_bump_catalogue_generation"

T = TypeVar("T")


def generation_row_sql(columns: int) -> str:
    """The generation as a row (value, NULL, …) to put in front of a UNION of rows of `columns`
    columns, so that a query answers its rows and the generation they were read under in one
    snapshot."""
    return f"SELECT value{', NULL' * (columns - 1)} FROM {TABLE} WHERE id = 1"  # noqa: S608 - constants


def current_generation() -> int | None:
    """The committed generation as this connection sees it (None: no generation row)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608 - a constant
        row = cursor.fetchone()
    return row[0] if row else None


class Snapshot(Generic[T]):
    """A value built from the catalogue, kept per process while the generation stays the same.

    `get()` reads the generation (1 query) and returns the kept value, or builds a new one with
    `build()` (which may take `key` arguments: one value per key, e.g. per day)."""

    def __init__(self, build: Callable[..., T]):
        self._build = build
        self._lock = threading.Lock()
        self._kept: dict[tuple, tuple[int, T]] = {}

    def get(self, *key) -> T:
        return self.read(*key)[1]

    def read(self, *key) -> tuple[int | None, T]:
        """As `get`, with the generation the value goes with (None: no generation row)."""
        generation = current_generation()
        if generation is None:  # no generation row: nothing can be trusted, build every time
            return None, self._build(*key)
        kept = self._kept.get(key)
        if kept is not None and kept[0] == generation:
            return kept
        value = self._build(*key)
        with self._lock:
            if any(g != generation for g, _ in self._kept.values()):
                self._kept.clear()  # an older generation's values are of no more use
            self._kept[key] = (generation, value)
        return generation, value

    def kept(self, *key) -> tuple[int, T] | None:
        """(generation, value) as kept, without a query: to be trusted only once a read made in
        one snapshot with the rows that matter has confirmed the generation (the slot search's
        appointments query carries it)."""
        return self._kept.get(key)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class Derived:
    """Values derived from the catalogue on demand (a topic by its code, the municipality a typed
    place names, a municipality's label…), kept while the generation the caller names stays.

    Unlike `Snapshot`, `get` makes no query: the caller names a generation it read earlier (e.g.
    the one the slot search last confirmed). A value built now is at least as new as that
    generation; whatever the caller shows with it must then be confirmed by a read of the
    generation in one snapshot with the rows that change (the slot search's query does it), and
    the caller starts again under the new generation when it moved. Values of another
    generation are dropped when a new one is named; at most MAX are kept (typed text is
    unbounded: past it, the memo starts again)."""

    MAX = 4096

    def __init__(self):
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._values: dict = {}

    def get(self, generation: int | None, key, build: Callable[[], T]) -> T:
        if generation is None:  # nothing to key on: read every time
            return build()
        values = self._values
        if self._generation == generation:
            try:
                return values[key]
            except KeyError:
                pass
        value = build()
        with self._lock:
            if self._generation != generation or len(self._values) >= self.MAX:
                self._generation, self._values = generation, {}
            self._values[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation, self._values = None, {}


derived = Derived()


# --- Triggers (used by migrations) ----------------------------------------------------------


def _trigger(table: str, suffix: str) -> str:
    return f"catalogue_generation_{table}{suffix}"


def create_generation(schema_editor) -> None:
    """The sequence and trigger function (PostgreSQL), and the generation's first value."""
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
        execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN UPDATE {TABLE} SET value = nextval('{SEQUENCE}') WHERE id = 1; RETURN NULL; END $$"
        )
        execute(f"INSERT INTO {TABLE} (id, value) VALUES (1, nextval('{SEQUENCE}'))")
    else:
        execute(f"INSERT INTO {TABLE} (id, value) VALUES (1, random())")


def drop_generation(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
    schema_editor.execute(f"DELETE FROM {TABLE}")


def watch_table(schema_editor, table: str, *, columns: tuple[str, ...] = ()) -> None:
    """Bump the generation with every change to `table` (only to `columns`, if given: then
    updates only, row by row, and only when one of them really changes)."""
    execute = schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    if columns:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        if not postgres:
            changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        of = ", ".join(columns)
        if postgres:
            execute(
                f"CREATE TRIGGER {_trigger(table, '_cols')} AFTER UPDATE OF {of} ON {table} "
                f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {FUNCTION}()"
            )
        else:
            execute(
                f"CREATE TRIGGER {_trigger(table, '_cols')} AFTER UPDATE OF {of} ON {table} "
                f"FOR EACH ROW WHEN {changed} BEGIN "
                f"UPDATE {TABLE} SET value = random() WHERE id = 1; END"
            )
        return
    if postgres:
        execute(
            f"CREATE TRIGGER {_trigger(table, '')} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
        return
    for event in ("INSERT", "UPDATE", "DELETE"):
        execute(
            f"CREATE TRIGGER {_trigger(table, '_' + event.lower())} AFTER {event} ON {table} "
            f"BEGIN UPDATE {TABLE} SET value = random() WHERE id = 1; END"
        )


def unwatch_table(schema_editor, table: str, *, columns: tuple[str, ...] = ()) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    suffixes = ["_cols"] if columns else ([""] if postgres else ["_insert", "_update", "_delete"])
    for suffix in suffixes:
        on = f" ON {table}" if postgres else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, suffix)}{on}")
