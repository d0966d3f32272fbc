"""The PostgreSQL backend reads timestamps with psycopg's C loaders and returns what Django's does."""

import datetime

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper
from django.test.utils import override_settings
from psycopg.postgres import types
from psycopg.pq import Format

from core.db import prepare_threshold
from core.db.postgresql.base import DatabaseWrapper as OurWrapper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's"),
]

VALUES_SQL = """
    SELECT ts, ts::timestamp, ts::date, ts::time
    FROM (VALUES
        ('2026-03-08 06:59:59.999999+00'::timestamptz),
        ('2026-03-08 07:00:00+00'), ('2026-11-01 05:30:00.5+00'), ('1999-12-31 23:59:59-05'),
        ('2026-12-07 14:30:00-05'), ('0001-01-01 00:00:00+00'), ('9999-12-31 23:59:59.999999+00'),
        (NULL)
    ) AS v(ts)
"""


def loader_module(cursor, type_name: str) -> str:
    return cursor.adapters.get_loader(types[type_name].oid, Format.TEXT).__module__


def test_it_reads_timestamps_with_psycopgs_c_loaders():
    assert psycopg.pq.__impl__ == "binary"
    assert connection.settings_dict["ENGINE"] == "core.db.postgresql"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        for name in ("timestamptz", "timestamp", "date", "time"):
            assert loader_module(raw, name) == "psycopg_binary._psycopg", name
        cursor.execute("SELECT now()")
        (now,) = cursor.fetchone()
    assert now.tzinfo is datetime.UTC


def test_it_returns_exactly_what_djangos_backend_returns():
    stock = DjangoWrapper(
        {**connection.settings_dict, "ENGINE": "django.db.backends.postgresql"}, alias="default"
    )
    try:
        with stock.cursor() as cursor:
            assert loader_module(cursor.cursor, "timestamptz") != "psycopg_binary._psycopg"  # the slow one
            cursor.execute(VALUES_SQL)
            expected = cursor.fetchall()
    finally:
        stock.close()
    with connection.cursor() as cursor:
        cursor.execute(VALUES_SQL)
        got = cursor.fetchall()
    assert got == expected
    for ours, theirs in zip(got, expected, strict=True):
        assert [type(v) for v in ours] == [type(v) for v in theirs]
        assert [getattr(v, "tzinfo", None) for v in ours] == [getattr(v, "tzinfo", None) for v in theirs]
    assert got[0][0].tzinfo is datetime.UTC


def test_the_orm_reads_aware_utc_datetimes(advisor):
    from advisors.models import TimeOff

    start = datetime.datetime(2026, 7, 1, 13, 0, tzinfo=datetime.UTC)
    TimeOff.objects.create(
        advisor=advisor.advisor, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    (starts_at,) = TimeOff.objects.filter(advisor=advisor.advisor).values_list("starts_at", flat=True)
    assert starts_at == start and starts_at.tzinfo is datetime.UTC


@override_settings(TIME_ZONE="America/Halifax")
def test_the_session_stays_in_utc_whatever_the_sites_zone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), '2026-07-01 12:00+00'::timestamptz")
        zone, value = cursor.fetchone()
    assert zone == "UTC"
    assert value.tzinfo is datetime.UTC and value.hour == 12


def test_prepared_statements_need_server_side_binding():
    """Django's default cursor binds parameters client-side and never prepares; with
    DATABASE_SERVER_SIDE_BINDING a query run `prepare_threshold` times is prepared."""
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 5
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is False
    options = {**connection.settings_dict["OPTIONS"], "server_side_binding": True, "prepare_threshold": 2}
    bound = OurWrapper({**connection.settings_dict, "OPTIONS": options}, alias="default")
    try:
        with bound.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT count(*) FROM advisors_advisor WHERE id > %s", [0])
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%advisors_advisor%"]
            )
            assert cursor.fetchone()[0] == 1
    finally:
        bound.close()


@pytest.mark.parametrize(
    ("text", "threshold"), [("5", 5), ("0", 0), (" 12 ", 12), ("off", None), ("", None), ("OFF", None)]
)
def test_the_setting_turns_them_off_or_sets_the_threshold(text, threshold):
    assert prepare_threshold(text) == threshold


@pytest.mark.parametrize("text", ["-1", "five", "yes", "1.5"])
def test_a_bad_setting_fails_loudly(text):
    with pytest.raises(ValueError, match="DATABASE_PREPARE_THRESHOLD"):
        prepare_threshold(text)


def test_a_read_replica_uses_the_same_backend():
    """DATABASE_REPLICA_URL on PostgreSQL gets our backend too (settings read in a fresh process)."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_REPLICA_URL": "postgres://replica.invalid:5432/midi",
        "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
        "SECRET_KEY": "not-secret-test",
    }
    code = "from django.conf import settings as s; print(s.DATABASES['replica']['ENGINE'])"
    engine = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert engine.stdout.strip() == "core.db.postgresql", engine.stderr
