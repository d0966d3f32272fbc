"""Give a meeting room to the upcoming video appointments that have none: those booked before
meeting links existed, or by the previous release while the new one was migrating (README,
Upgrade). Safe to run at any time, any number of times."""

from django.core.management.base import BaseCommand

from appointments import meetings


class Command(BaseCommand):
    help = "Give a meeting link to every upcoming video appointment without one."

    def handle(self, *args, **options):
        done = meetings.fill_missing_rooms()
        self.stdout.write(f"{done} video appointment(s) given a meeting link.")
