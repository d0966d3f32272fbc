"""The catalogue generation also follows the gazetteer around a municipality: its aliases, MRCs
and regions. The booking results page keeps, per generation, the municipality a typed place
names and the label a municipality is shown with (appointments.views), which read them."""

from django.db import migrations

from core import catalogue

TABLES = [
    "service_points_municipalityalias",
    "service_points_mrc",
    "midi_regions_administrativeregion",
]


def watch(apps, schema_editor):
    for table in TABLES:
        catalogue.watch_table(schema_editor, table)


def unwatch(apps, schema_editor):
    for table in TABLES:
        catalogue.unwatch_table(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0017_meeting_links"),
    ]

    operations = [migrations.RunPython(watch, unwatch)]
