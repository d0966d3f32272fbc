"""Advisers list in French order of their names (core.collation; its collation is core 0002's)."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('advisors', '0004_availability_change'),
        ('core', '0002_french_collation'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='advisor',
            options={'ordering': [models.OrderBy(django.db.models.functions.comparison.Collate(models.F('user__last_name'), 'fr_ca_icu')), models.OrderBy(django.db.models.functions.comparison.Collate(models.F('user__first_name'), 'fr_ca_icu')), models.OrderBy(models.F('user__email'))], 'verbose_name': 'adviser', 'verbose_name_plural': 'advisers'},
        ),
    ]
