"""Give a reference number to the appointments that have none: those the previous release booked
while the new one was migrating (README, Upgrade). Safe to run at any time, any number of times."""

from django.core.management.base import BaseCommand

from appointments import references
from appointments.models import Appointment


class Command(BaseCommand):
    help = "Give a reference number (RV-XXX-XXX) to every appointment without one."

    def handle(self, *args, **options):
        done = references.backfill(Appointment)
        self.stdout.write(f"{done} appointment(s) given a reference.")
