"""Every municipality has its geographic code and MRC since 0004 (a small table: the check is
immediate). Apart from 0004 because PostgreSQL refuses to alter a table with the foreign-key
checks that 0004's updates left pending in the same transaction."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("service_points", "0004_official_municipalities_data")]

    operations = [
        migrations.AddConstraint(
            model_name="municipality",
            constraint=models.CheckConstraint(condition=models.Q(("code__isnull", False)), name="municipality_has_code"),
        ),
        migrations.AddConstraint(
            model_name="municipality",
            constraint=models.CheckConstraint(condition=models.Q(("mrc__isnull", False)), name="municipality_has_mrc"),
        ),
    ]
