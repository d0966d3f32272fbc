"""Compute the dashboards' daily roll-ups of every closed day from the appointments.

Run once after deploying the roll-ups (the beat task then keeps them up to date), or after a
data repair done with the triggers disabled. Safe to run at any time: the dashboards read the
days being recomputed live meanwhile.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from dashboards import rollups


class Command(BaseCommand):
    help = "Compute the dashboards' daily roll-ups of every closed day (PostgreSQL)."

    def handle(self, *args, **options):
        if not rollups.available():
            raise CommandError("The roll-ups exist on PostgreSQL only; other databases read live rows.")
        started = time.perf_counter()
        days = rollups.rebuild()
        self.stdout.write(f"{days} days computed in {time.perf_counter() - started:.1f} s.")
