"""The idempotency key is unique per company, not across the database (issue 18).

book_appointment looks the key up per company, but the column was unique on its own: another
company's booking with the same key failed on the constraint and was reported as "slot taken".
The new unique index (company_id, idempotency_key), partial on keys that exist, is built
CONCURRENTLY (the appointment table is big: a plain build blocks bookings), then the old unique
constraint on the key alone is dropped (catalogue only). Django's state gets the matching
`UniqueConstraint` with a condition, which Django itself would also create as a partial unique
index, so later migrations see the same object. No duplicate can exist: the old constraint was
stricter.
"""

from django.db import migrations, models

INDEX = "appt_idempotency_key_per_company"
CONSTRAINT = models.UniqueConstraint(
    condition=models.Q(("idempotency_key__isnull", False)),
    fields=("company", "idempotency_key"),
    name=INDEX,
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON appointments_appointment "
            "(company_id, idempotency_key) WHERE idempotency_key IS NOT NULL"
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

    dependencies = [("appointments", "0009_requests_and_waitlist_moved_out")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name="appointment", constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
        # The old constraint goes once the new index guards the key.
        migrations.AlterField(
            model_name="appointment",
            name="idempotency_key",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
    ]
