"""Sectorisation: each service point serves a territory (regions and MRCs, service_points.
territory). Existing points get the seed's rule, their own region (midi_regions.seeding.
seed_territories), and the slot search's catalogue generation follows both tables
(appointments.catalogue, core/catalogue.py)."""

from django.db import migrations, models

from core import catalogue

TABLES = ["service_points_servicepoint_territory_regions", "service_points_servicepoint_territory_mrcs"]


def serve_own_region(apps, schema_editor):
    ServicePoint = apps.get_model("service_points", "ServicePoint")
    Served = ServicePoint.territory_regions.through
    served = set(Served.objects.values_list("servicepoint_id", flat=True))
    served |= set(ServicePoint.territory_mrcs.through.objects.values_list("servicepoint_id", flat=True))
    Served.objects.bulk_create(
        Served(servicepoint_id=pk, administrativeregion_id=region_id)
        for pk, region_id in ServicePoint.objects.values_list("pk", "municipality__region_id")
        if pk not in served
    )


def watch(apps, schema_editor):
    for table in TABLES:
        catalogue.watch_table(schema_editor, table)


def unwatch(apps, schema_editor):
    for table in TABLES:
        catalogue.unwatch_table(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [
        ("midi_regions", "0005_directorate_contact"),
        ("service_points", "0008_municipality_time_zone"),
        ("core", "0003_catalogue_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicepoint",
            name="territory_mrcs",
            field=models.ManyToManyField(
                blank=True,
                help_text="Every municipality of these MRCs is in the point's territory, whatever their region.",
                related_name="served_by",
                to="service_points.mrc",
                verbose_name="MRCs served",
            ),
        ),
        migrations.AddField(
            model_name="servicepoint",
            name="territory_regions",
            field=models.ManyToManyField(
                blank=True,
                help_text="Every municipality of these regions is in the point's territory.",
                related_name="served_by",
                to="midi_regions.administrativeregion",
                verbose_name="regions served",
            ),
        ),
        migrations.RunPython(watch, unwatch),
        migrations.RunPython(serve_own_region, migrations.RunPython.noop),
    ]
