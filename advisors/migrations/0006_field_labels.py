"""Labels the admin can translate (issue 19): names only, nothing changes in the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('advisors', '0005_french_name_order'),
    ]

    operations = [
        migrations.AlterField(
            model_name='advisor',
            name='feed_token',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True, verbose_name='calendar feed secret'),
        ),
        migrations.AlterField(
            model_name='availabilitychange',
            name='advisor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='availability_changes', to='advisors.advisor', verbose_name='adviser'),
        ),
        migrations.AlterField(
            model_name='availabilityexception',
            name='advisor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='availability_exceptions', to='advisors.advisor', verbose_name='adviser'),
        ),
        migrations.AlterField(
            model_name='timeoff',
            name='advisor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='time_off', to='advisors.advisor', verbose_name='adviser'),
        ),
        migrations.AlterField(
            model_name='weeklyavailability',
            name='advisor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='weekly_availability', to='advisors.advisor', verbose_name='adviser'),
        ),
    ]
