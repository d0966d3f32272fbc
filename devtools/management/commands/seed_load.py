"""Fill the calendars with synthetic volume for tests and benchmarks (see devtools.loadgen)."""

from django.core.management.base import BaseCommand, CommandError

from devtools.loadgen import seed_load


class Command(BaseCommand):
    help = (
        "Add synthetic load on top of seed_network: --scale K clones the advisers K-1 times, "
        "--appointments N places N appointments (past and future) in their weekly availability, "
        "--requests N adds N consultation requests in every routing state. "
        "Idempotent: nothing is created when the database already holds what is asked for."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--appointments",
            type=int,
            required=True,
            help="Total load appointments wanted (e.g. 50000 at --scale 1, 500000 at --scale 10).",
        )
        parser.add_argument(
            "--requests",
            type=int,
            default=0,
            help="Total load consultation requests wanted (default 0).",
        )
        parser.add_argument(
            "--sessions",
            type=int,
            default=0,
            help="Total load group information sessions wanted, upcoming (default 0; the bench: 2000).",
        )
        parser.add_argument("--scale", type=int, default=1, help="K: K× the network's advisers (default 1).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(
        self, *args, appointments: int, requests: int, sessions: int, scale: int, seed: int, **options
    ):
        try:
            report = seed_load(
                appointments=appointments, requests=requests, sessions=sessions, scale=scale, seed=seed
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if report.seeded_network:
            self.stdout.write("The network was missing: seed_network() ran first.")
        for kind, n in report.created.items():
            self.stdout.write(f"created: {n} {kind}")
        if not report.created:
            self.stdout.write("Nothing to create: the load is already there.")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(self.style.SUCCESS(f"Load seeded in {report.elapsed:.1f} s."))
