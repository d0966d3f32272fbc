"""Django's PostgreSQL backend, reading `timestamptz` through psycopg's C loader.

Django registers, for `timestamptz`, a subclass of psycopg's pure-Python `TimestamptzLoader` that
replaces each value's tzinfo with the connection's zone: about 5 µs a value, 12–16 ms to read a
week of the network's busy times (issue 20). psycopg's C loader (psycopg[binary]) reads the same
text in a fraction of that, and gives the zone of the session's `TimeZone` parameter — which
Django sets to UTC on every connection when `USE_TZ` is on and the database has no `TIME_ZONE` of
its own (ours: times are stored in UTC). For `TimeZone = UTC` psycopg answers
`datetime.timezone.utc` (psycopg._tz), exactly the tzinfo Django's loader puts there, so every
value is identical (core/tests/test_db_backend.py compares them). `timestamp`, `date` and `time`
already use psycopg's C loaders in Django.

Where the session zone could differ (a database `TIME_ZONE`, or the pure-Python psycopg), this
backend behaves exactly as Django's.
"""

import datetime
from functools import lru_cache

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3

if is_psycopg3:
    import psycopg
    from psycopg import adapt
    from psycopg.postgres import types as pg_types
    from psycopg.pq import Format

    TIMESTAMPTZ_OID = pg_types["timestamptz"].oid
    # psycopg's own loader: the C one when psycopg[binary] (or psycopg[c]) is installed.
    FAST_TZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    FAST_TZ_LOADER_IS_C = psycopg.pq.__impl__ in ("binary", "c")

    def fast_adapters(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
        """Django's adapters for the connection, with psycopg's own loader for timestamptz."""
        ctx = adapt.AdaptersMap(template)
        ctx.register_loader(TIMESTAMPTZ_OID, FAST_TZ_LOADER)
        return ctx


class DatabaseWrapper(base.DatabaseWrapper):
    def _fast_timestamps(self) -> bool:
        return (
            is_psycopg3
            and FAST_TZ_LOADER_IS_C
            and self.timezone is datetime.UTC
            and self.timezone_name == "UTC"
        )

    def get_connection_params(self):
        params = super().get_connection_params()
        if self._fast_timestamps():
            params["context"] = _adapters(params["context"])
        return params

    def create_cursor(self, name=None):
        if not self._fast_timestamps():
            return super().create_cursor(name)
        # Django's create_cursor, without re-registering its loader on each cursor: the session's
        # TimeZone is UTC (set by _configure_timezone on connecting), so the C loader already
        # gives datetime.timezone.utc.
        if name:
            if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
                return base.ServerSideCursor(
                    self.connection, name=name, scrollable=False, withhold=self.connection.autocommit
                )
            return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)
        return self.connection.cursor()


@lru_cache
def _adapters(template):
    """One adapters map per Django template (Django caches its templates too)."""
    return fast_adapters(template)
