"""Labels the admin can translate (issue 19): names only, nothing changes in the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('service_points', '0002_host_type_label'),
    ]

    operations = [
        migrations.AlterField(
            model_name='openinghours',
            name='service_point',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='opening_hours', to='service_points.servicepoint', verbose_name='service point'),
        ),
    ]
