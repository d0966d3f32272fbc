"""Each municipality carries its legal time zone: Eastern time by default, and for the MRCs named
in service_points/data/quebec_time_zones.csv (Îles-de-la-Madeleine, the Lower North Shore) the
zone that file gives, set here on the rows already loaded (the seed sets it on new ones)."""

from django.db import migrations, models

from service_points import gazetteer


def set_time_zones(apps, schema_editor):
    Municipality = apps.get_model("service_points", "Municipality")
    for mrc_code, zone in gazetteer.time_zones().items():
        Municipality.objects.filter(mrc__code=mrc_code).update(time_zone=zone)


class Migration(migrations.Migration):
    dependencies = [
        ("service_points", "0007_search_name_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="municipality",
            name="time_zone",
            field=models.CharField(
                choices=[
                    ("America/Toronto", "Eastern time"),
                    ("America/Halifax", "Atlantic time"),
                    ("America/Blanc-Sablon", "Atlantic time (no daylight saving time)"),
                ],
                db_default="America/Toronto",
                default="America/Toronto",
                max_length=40,
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(set_time_zones, migrations.RunPython.noop, elidable=True),
    ]
