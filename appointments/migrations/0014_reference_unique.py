"""The reference is unique: a partial unique index (rows an older version inserted may have none
yet), built CONCURRENTLY on PostgreSQL as the appointment table is big (as in 0010)."""

from django.db import migrations, models

INDEX = "appt_reference_unique"
CONSTRAINT = models.UniqueConstraint(
    condition=models.Q(("reference__isnull", False)), fields=("reference",), name=INDEX
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON appointments_appointment "
            "(reference) WHERE reference IS NOT NULL"
        )
    else:  # the embedded runtime's SQLite: small tables, Django's own DDL
        schema_editor.add_constraint(apps.get_model("appointments", "Appointment"), CONSTRAINT)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    else:
        schema_editor.remove_constraint(apps.get_model("appointments", "Appointment"), CONSTRAINT)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("appointments", "0013_backfill_references")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name="appointment", constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]
