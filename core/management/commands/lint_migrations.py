"""Refuse migrations that would lock or break the running version during a deploy."""

from django.core.management.base import BaseCommand, CommandError

from core import migration_lint


class Command(BaseCommand):
    help = (
        "Check this project's migrations for operations unsafe while the previous release serves "
        "(core.migration_lint). Exits 1 and lists them if there are any."
    )

    def handle(self, *args, **options):
        problems = migration_lint.lint()
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(problems)} unsafe migration operation(s). Split the change over two releases "
                "(README, Operations: Upgrade), or, for a migration already deployed, add it to "
                "settings.MIGRATION_LINT_GRANDFATHERED with the reason."
            )
        self.stdout.write("Migrations are safe to run under the previous release.")
