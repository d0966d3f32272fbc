"""`manage.py lint_migrations` refuses migrations unsafe while the previous release serves, and the
project's own migrations pass it."""

import pytest
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.core.management import CommandError, call_command
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from core import migration_lint


@pytest.fixture(scope="module")
def latest():
    return MigrationLoader(None, ignore_no_migrations=True).project_state()


def problems(latest, *operations, atomic=True, app="appointments") -> list[str]:
    migration = migrations.Migration("0999_synthetic", app)
    migration.operations = list(operations)
    migration.atomic = atomic
    return [p.reason for p in migration_lint.check_migration(migration, latest.clone())]


UNSAFE = {
    "a NOT NULL column with a Python default": migrations.AddField(
        "appointment", "channel", models.CharField(max_length=10, default="web")
    ),
    "a dropped column": migrations.RemoveField("appointment", "message"),
    "a renamed column": migrations.RenameField("appointment", "message", "note"),
    "a renamed db_column": migrations.AlterField(
        "appointment", "message", models.TextField(blank=True, max_length=2000, db_column="note")
    ),
    "a dropped table": migrations.DeleteModel("appointmentnote"),
    "a renamed table": migrations.AlterModelTable("reminder", "appointments_reminders"),
    "a changed column type": migrations.AlterField(
        "appointment", "message", models.CharField(max_length=2000)
    ),
    "a shorter varchar": migrations.AlterField(
        "appointment", "cancellation_reason", models.CharField(max_length=100, blank=True)
    ),
    "a column made NOT NULL": migrations.AlterField(
        "appointment", "advisor_confirmed_at", models.DateTimeField()
    ),
    "an index on a big table": migrations.AddIndex(
        "appointment", models.Index(fields=["status", "starts_at"], name="appt_status_start")
    ),
    "a unique constraint on a big table": migrations.AddConstraint(
        "reminder", models.UniqueConstraint(fields=["appointment", "kind"], name="reminder_once_per_kind")
    ),
    "an indexed column on a big table": migrations.AddField(
        "appointmentevent", "channel", models.CharField(max_length=10, null=True, db_index=True)
    ),
    "RunSQL without reverse": migrations.RunSQL("UPDATE appointments_topic SET position = 0"),
    "RunSQL building an index on a big table": migrations.RunSQL(
        "CREATE INDEX appt_x ON appointments_appointment (created_at)", reverse_sql="DROP INDEX appt_x"
    ),
    "RunPython without reverse": migrations.RunPython(lambda apps, schema_editor: None),
}

SAFE = {
    "a nullable column": migrations.AddField(
        "appointment", "channel", models.CharField(max_length=10, null=True)
    ),
    "a NOT NULL column with db_default": migrations.AddField(
        "appointment", "channel", models.CharField(max_length=10, db_default="web")
    ),
    "a longer varchar": migrations.AlterField(
        "appointment", "cancellation_reason", models.CharField(max_length=600, blank=True)
    ),
    "choices and labels": migrations.AlterField(
        "appointment",
        "cancellation_reason",
        models.CharField("why", max_length=300, blank=True, help_text="x"),
    ),
    "an index on a small table": migrations.AddIndex(
        "topic", models.Index(fields=["position"], name="topic_pos")
    ),
    "a column dropped from the models only": migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField("appointment", "message")]
    ),
    "reversible SQL and Python": migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop),
    "reversible Python": migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    "CREATE INDEX CONCURRENTLY": migrations.RunSQL(
        "CREATE INDEX CONCURRENTLY appt_x ON appointments_appointment (created_at)",
        reverse_sql="DROP INDEX CONCURRENTLY appt_x",
    ),
}


@pytest.mark.parametrize("operation", UNSAFE.values(), ids=UNSAFE.keys())
def test_an_operation_unsafe_under_the_running_version_is_refused(latest, operation):
    assert problems(latest, operation)


@pytest.mark.parametrize("operation", SAFE.values(), ids=SAFE.keys())
def test_a_safe_operation_passes(latest, operation):
    assert problems(latest, operation) == []


def test_an_index_on_a_big_table_is_built_concurrently_outside_a_transaction(latest):
    index = AddIndexConcurrently("appointment", models.Index(fields=["created_at"], name="appt_created"))
    assert problems(latest, index, atomic=False) == []
    assert problems(latest, index, atomic=True)  # CONCURRENTLY cannot run in a transaction anyway


def test_a_new_table_is_nobody_elses_yet(latest):
    create = migrations.CreateModel(
        "Survey",
        [("id", models.BigAutoField(primary_key=True)), ("score", models.PositiveSmallIntegerField())],
    )
    add = migrations.AddField("survey", "comment", models.TextField(default=""))
    assert (
        problems(latest, create, add, migrations.AddIndex("survey", models.Index(fields=["score"], name="s")))
        == []
    )


def test_dropping_a_column_through_the_database_operations_is_still_seen(latest):
    split = migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RemoveField("appointment", "message")]
    )
    assert problems(latest, split)


def test_the_projects_migrations_pass():
    assert [str(p) for p in migration_lint.lint()] == []
    call_command("lint_migrations")


def test_the_command_fails_and_lists_what_is_unsafe(monkeypatch, capsys):
    monkeypatch.setattr(settings, "MIGRATION_LINT_GRANDFATHERED", {})
    with pytest.raises(CommandError, match="unsafe migration operation"):
        call_command("lint_migrations")
    assert "accounts.0002_initial: Add field municipality to company" in capsys.readouterr().err


def test_the_allow_list_names_real_migrations():
    with pytest.raises(ValueError, match="do not exist"):
        migration_lint.lint(grandfathered={("appointments", "0099_typo"): "reason"})
