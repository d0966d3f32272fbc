"""The dashboards read the requests sent in a period, by status, topic, mode, municipality and
holder, and the time to their appointment. On PostgreSQL a covering index on `created_at` makes
that an index-only range scan instead of a scan of every request (bench/README.md)."""

from django.db import migrations

INDEX = "request_dashboard"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON appointments_consultationrequest (created_at) "
            "INCLUDE (status, topic_id, mode, municipality_id, assigned_advisor_id, appointment_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0006_dashboard_index")]

    operations = [migrations.RunPython(create, drop)]
