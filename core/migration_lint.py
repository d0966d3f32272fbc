"""Migrations that would lock or break the running version during a deploy are refused.

A deploy migrates the database first, then switches traffic (README, Operations): for a while the
previous release serves requests on the new schema, and a migration that takes an exclusive lock
on a busy table stops bookings while it runs. `manage.py lint_migrations` (run by `make test`)
reads every migration of this project's apps and reports, with the state just before each one:

- a NOT NULL column added to an existing table without `db_default` (the running version's
  INSERTs do not know the column and fail; Django drops a Python `default` after filling rows);
- a column or table dropped or renamed, an `AlterModelTable` (the running version still reads
  the old name; drop in a later release, after code that no longer uses it is deployed — use
  `SeparateDatabaseAndState` to remove the field from the models first);
- a column whose type changes (rewrites the table under an exclusive lock; growing a varchar's
  max_length is allowed: PostgreSQL only updates the catalogue) or becomes NOT NULL (a full scan
  under that lock, and the running version may still write NULL);
- an index, unique or exclusion or check constraint, unique or indexed field, or
  unique_together/index_together added to one of the big tables (settings.MIGRATION_LINT_BIG_TABLES;
  the build blocks writes for minutes at a million rows): use `AddIndexConcurrently` in a
  migration with `atomic = False`;
  a new table, or a small one, is fine;
- `RunSQL` or `RunPython` without a reverse (the release cannot be rolled back; use
  `RunPython.noop` / `RunSQL.noop` when there is nothing to undo), and `RunSQL` that builds an
  index on a big table without CONCURRENTLY or alters one.

Migrations already deployed when this check was introduced are listed in
settings.MIGRATION_LINT_GRANDFATHERED with the reason each was acceptable then; anything else
must pass. The rules reason about PostgreSQL, the production database, whatever database the check runs on.
"""

import re
from dataclasses import dataclass

from django.apps import apps as installed_apps
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import connections, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.models import NOT_PROVIDED


def big_tables() -> frozenset[str]:
    """Tables that grow with the bookings (settings.MIGRATION_LINT_BIG_TABLES, database table
    names): building an index or validating a constraint on them blocks writes for too long."""
    return frozenset(settings.MIGRATION_LINT_BIG_TABLES)


def grandfathered_migrations() -> dict[tuple[str, str], str]:
    """Migrations deployed before the check existed (settings.MIGRATION_LINT_GRANDFATHERED):
    (app, migration) → why it was acceptable when it ran."""
    return {tuple(key.split(".", 1)): why for key, why in settings.MIGRATION_LINT_GRANDFATHERED.items()}


@dataclass(frozen=True)
class Problem:
    migration: str  # "app_label.name"
    operation: str
    reason: str

    def __str__(self) -> str:
        return f"{self.migration}: {self.operation}: {self.reason}"


def project_apps() -> set[str]:
    """Labels of the apps that live in this repository (not Django's, not third parties')."""
    base = str(settings.BASE_DIR)
    return {
        config.label
        for config in installed_apps.get_app_configs()
        if config.path.startswith(base) and "site-packages" not in config.path
    }


def postgresql():
    """A PostgreSQL backend object for db_type(), never connected: types as production sees them."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    return DatabaseWrapper(
        {**connections["default"].settings_dict, "ENGINE": "django.db.backends.postgresql"}
    )


def lint(*, loader: MigrationLoader | None = None, grandfathered=None) -> list[Problem]:
    """Every problem of every migration of the project's apps, oldest first."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    grandfathered = grandfathered_migrations() if grandfathered is None else grandfathered
    unknown = set(grandfathered) - set(loader.disk_migrations)
    if unknown:
        raise ValueError(
            f"MIGRATION_LINT_GRANDFATHERED names migrations that do not exist: {sorted(unknown)}"
        )
    ours = project_apps()
    database = postgresql()
    problems = []
    for key in _ordered(loader):
        if key[0] not in ours or key in grandfathered:
            continue
        migration = loader.graph.nodes[key]
        state = loader.project_state(key, at_end=False)
        problems += check_migration(migration, state, database)
    return problems


def _ordered(loader: MigrationLoader) -> list[tuple[str, str]]:
    seen, order = set(), []
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                order.append(key)
    return order


def check_migration(migration, state, database=None) -> list[Problem]:
    """The problems of one migration, given the project state just before it (consumed)."""
    database = database or postgresql()
    label = f"{migration.app_label}.{migration.name}"
    created: set[str] = set()  # models whose table this migration creates: nobody uses it yet
    problems = []
    for operation in migration.operations:
        for reason in _reasons(operation, migration, state, created, database):
            problems.append(Problem(label, operation.describe(), reason))
        if isinstance(operation, migrations.CreateModel):
            created.add(operation.name_lower)
        operation.state_forwards(migration.app_label, state)
    return problems


def _reasons(operation, migration, state, created, database):
    app = migration.app_label
    model = getattr(operation, "model_name_lower", None) or getattr(operation, "name_lower", None)
    existing = model is not None and model not in created and (app, model) in state.models
    big = existing and _table(state.models[(app, model)]) in big_tables()

    if isinstance(operation, migrations.SeparateDatabaseAndState):
        for inner in operation.database_operations:
            yield from _reasons(inner, migration, state, created, database)
    elif isinstance(operation, migrations.AddField) and existing:
        field = operation.field
        if not field.many_to_many and not field.null and field.db_default is NOT_PROVIDED:
            yield (
                "adds a NOT NULL column without db_default: the running version's INSERTs fail "
                "(give it db_default=…, or null=True)"
            )
        if big and (field.unique or field.db_index):
            yield f"builds an index on the big table {app}.{model} under a write lock ({_CONCURRENTLY})"
    elif isinstance(operation, migrations.RemoveField | migrations.RenameField) and existing:
        yield f"drops or renames a column the running version still reads ({_LATER})"
    elif isinstance(operation, migrations.DeleteModel | migrations.RenameModel | migrations.AlterModelTable):
        if existing:
            yield f"drops or renames a table the running version still reads ({_LATER})"
    elif isinstance(operation, migrations.AlterField) and existing:
        old = state.models[app, model].get_field(operation.name)
        yield from _altered(operation.name, old, operation.field, big, database)
    elif isinstance(operation, migrations.AddIndex | migrations.AddConstraint) and big:
        if not (isinstance(operation, AddIndexConcurrently) and not migration.atomic):
            yield f"builds an index or checks a constraint on the big table {app}.{model} ({_CONCURRENTLY})"
    elif isinstance(operation, migrations.AlterUniqueTogether | migrations.AlterIndexTogether) and big:
        if operation.option_value:
            yield f"builds an index on the big table {app}.{model} ({_CONCURRENTLY})"
    elif isinstance(operation, migrations.RunSQL):
        if operation.reverse_sql is None:
            yield f"RunSQL without reverse_sql: {_NO_ROLLBACK} (RunSQL.noop if nothing to undo)"
        yield from _raw_sql(operation.sql)
    elif isinstance(operation, migrations.RunPython) and operation.reverse_code is None:
        yield f"RunPython without reverse_code: {_NO_ROLLBACK} (RunPython.noop if nothing to undo)"


def _altered(name, old, new, big, database):
    old_column, new_column = old.db_column or name, new.db_column or name
    if old_column != new_column:
        yield f"renames the column {old_column} → {new_column} ({_LATER})"
    if old.is_relation or new.is_relation:
        old_type, new_type = type(old).__name__, type(new).__name__  # a key's type is its target's
    else:
        old_type, new_type = old.db_type(database), new.db_type(database)
    grown = (
        str(old_type).startswith("varchar(")
        and str(new_type).startswith("varchar(")
        and (new.max_length or 0) >= (old.max_length or 0)
    )
    if old_type != new_type and not grown:
        yield f"changes the column type {old_type} → {new_type}: {_REWRITE}"
    if old.null and not new.null:
        yield f"makes the column NOT NULL: {_SCAN}"
    if big and ((new.unique and not old.unique) or (new.db_index and not old.db_index)):
        yield f"builds an index on a big table under a write lock ({_CONCURRENTLY})"


def _table(model_state) -> str:
    return model_state.options.get("db_table") or f"{model_state.app_label}_{model_state.name_lower}"


def _raw_sql(sql):
    statements = sql if isinstance(sql, list | tuple) else [sql]
    text = " ".join(s if isinstance(s, str) else str(s[0]) for s in statements)
    names = "|".join(re.escape(name) for name in sorted(big_tables()))
    index_without_concurrently = rf"CREATE\s+(UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)[^;]*\bON\s+\"?({names})\b"
    if re.search(index_without_concurrently, text, re.I):
        yield f"RunSQL builds an index on a big table without CONCURRENTLY ({_CONCURRENTLY})"
    if re.search(rf"ALTER\s+TABLE\s+(ONLY\s+)?\"?({names})\b", text, re.I):
        yield "RunSQL alters a big table: review its lock by hand and allow it explicitly"


_CONCURRENTLY = "use AddIndexConcurrently in a migration with atomic = False"
_LATER = "release 1 stops using it, a later release drops it"
_NO_ROLLBACK = "the release cannot be rolled back"
_REWRITE = "the table is rewritten under an exclusive lock"
_SCAN = "a full scan under an exclusive lock, and the running version may still write NULL"
