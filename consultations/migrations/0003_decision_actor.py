"""Who decided a routing decision: the adviser who declined, the manager or administrator who
reassigned; empty when the router applied its rule (the reason) on its own.

Rows written before are left as they are: a reassignment could have been made by the manager or
by an administrator, and a decline by whoever held the request at that moment (an administrator
may have changed it by hand in the admin), so no actor can be filled in from the data without
guessing. The audit trail shows "not recorded" for them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consultations', '0002_contact_phone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='routingdecision',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
    ]
