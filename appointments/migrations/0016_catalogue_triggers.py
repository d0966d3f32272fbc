"""The catalogue generation follows every change to what the slot search keeps in memory
(appointments.catalogue): advisers and their points, topics, languages, hours, exceptions and
time off; service points, municipalities and topics; advisers' names (core/catalogue.py)."""

from django.db import migrations

from core import catalogue

TABLES = [
    "advisors_advisor",
    "advisors_advisor_topics",
    "advisors_advisor_languages",
    "advisors_advisor_service_points",
    "advisors_language",
    "advisors_weeklyavailability",
    "advisors_availabilityexception",
    "advisors_timeoff",
    "service_points_servicepoint",
    "service_points_municipality",
    "appointments_topic",
]
# A search shows advisers' names: only these columns of the users' table (a sign-in writes
# last_login, which must not throw every process's copy away).
USER_COLUMNS = ("first_name", "last_name", "email")


def watch(apps, schema_editor):
    for table in TABLES:
        catalogue.watch_table(schema_editor, table)
    catalogue.watch_table(schema_editor, "accounts_user", columns=USER_COLUMNS)


def unwatch(apps, schema_editor):
    for table in TABLES:
        catalogue.unwatch_table(schema_editor, table)
    catalogue.unwatch_table(schema_editor, "accounts_user", columns=USER_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0015_field_labels"),
        ("core", "0003_catalogue_generation"),
        ("advisors", "0006_field_labels"),
        ("service_points", "0007_search_name_label"),
        ("accounts", "0005_two_factor_method_names"),
    ]

    operations = [migrations.RunPython(watch, unwatch)]
