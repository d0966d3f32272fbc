"""The database guard against double booking, and its SQLite fallback.

On PostgreSQL an exclusion constraint (btree_gist) makes two active appointments of one adviser
with overlapping [starts_at, ends_at) impossible, whatever the concurrency. SQLite has no such
constraint: there the booking service's check inside its transaction is the only guard — the
documented limitation of the embedded runtime (docs/architecture.md).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db.models import Func, Q


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that other databases skip instead of failing on."""

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=None):
        from django.db import connections, router

        db = using or router.db_for_write(model)
        if connections[db].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


OVERLAPS = RangeOperators.OVERLAPS
EQUAL = RangeOperators.EQUAL


def advisor_times_never_overlap(name: str, condition: Q) -> PostgresOnlyExclusionConstraint:
    """No two rows of one adviser matching `condition` overlap in [starts_at, ends_at): used by
    appointments (active statuses) and waitlist holds (active ones)."""
    return PostgresOnlyExclusionConstraint(
        name=name,
        expressions=[(TsTzRange("starts_at", "ends_at", RangeBoundary()), OVERLAPS), ("advisor", EQUAL)],
        condition=condition,
    )
