"""Every existing appointment gets its reference, a batch at a time.

Not atomic: each batch commits on its own (appointments.references.backfill), so no row stays
locked for the whole backfill while the running version cancels and moves appointments. The
references already given are never drawn again, so the unique index of 0014 finds no duplicate.
Rows the running version inserts after this one get theirs from `manage.py backfill_references`
once the new version serves (README, Upgrade). Nothing to undo on the way back: the column goes
with 0012.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    from appointments.references import backfill as give_references

    give_references(apps.get_model("appointments", "Appointment"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch

    dependencies = [("appointments", "0012_appointment_reference")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
