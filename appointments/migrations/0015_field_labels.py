"""Labels the admin can translate (issue 19): names only, nothing changes in the database."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0014_reference_unique'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appointment',
            name='idempotency_key',
            field=models.UUIDField(blank=True, editable=False, null=True, verbose_name='booking form key'),
        ),
        migrations.AlterField(
            model_name='appointment',
            name='sequence',
            field=models.PositiveIntegerField(default=0, verbose_name='calendar file version'),
        ),
    ]
