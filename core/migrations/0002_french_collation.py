"""The French collation people's names sort by (core.collation.COLLATION), on PostgreSQL: ICU's
fr-CA. SQLite gets a Python function of the same name on each connection instead (CoreConfig).

CREATE COLLATION touches no table and takes no lock a running release would wait for."""

from django.db import migrations

COLLATION = "fr_ca_icu"  # core.collation.COLLATION when this was written


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE COLLATION IF NOT EXISTS {COLLATION} (provider = icu, locale = 'fr-CA')"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP COLLATION IF EXISTS {COLLATION}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
