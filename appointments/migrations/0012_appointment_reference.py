"""Appointments get a reference number ("RV-7K3-Q9M", appointments.references): the column first,
nullable, as the running version inserts rows without it; 0013 fills it, 0014 makes it unique."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appointments", "0011_contact_phone")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="reference",
            field=models.CharField(
                blank=True, editable=False, max_length=10, null=True, verbose_name="reference"
            ),
        ),
    ]
