"""Load (or refresh) the real network: regions, directorates, service points, advisers, topics."""

from django.core.management.base import BaseCommand

from midi_regions.seeding import DEMO_PASSWORD, seed_network


class Command(BaseCommand):
    help = (
        "Load the ministry's regional network idempotently; --demo-users adds sign-in accounts for each role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help=(
                f"Give every seeded person the password {DEMO_PASSWORD!r}; "
                "add a demo employer and an administrator."
            ),
        )

    def handle(self, *args, demo_users: bool, **options):
        report = seed_network(demo_users=demo_users)
        if not report.changed:
            self.stdout.write("Network already up to date: nothing changed.")
            return
        for label, counts in (("created", report.created), ("updated", report.updated)):
            for kind, n in sorted(counts.items()):
                self.stdout.write(f"{label}: {n} {kind}")
        self.stdout.write(self.style.SUCCESS("Network seeded."))
