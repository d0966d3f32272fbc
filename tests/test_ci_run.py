"""CI and the test run share this machine's PostgreSQL and Redis with others: the tests empty only
a Redis database of their own, and `makemigrations --check` reads a database that exists."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import redis_database

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize(
    ("url", "number"),
    [
        ("redis://127.0.0.1:6379", 0),
        ("redis://127.0.0.1:6379/0", 0),
        ("redis://127.0.0.1:6379/9", 9),
        ("redis://:secret@redis.internal:6379/12", 12),
        ("redis://127.0.0.1:6379?db=3", 3),
    ],
)
def test_the_redis_database_number_is_read_as_redis_does(url, number):
    assert redis_database(url) == number


def test_the_tests_refuse_to_run_on_the_shared_redis_database_0():
    """Issue 18: every test's cache.clear() was a FLUSHDB of whatever REDIS_URL named, db 0 in CI."""
    # No Redis listens on port 1: were the guard broken, nothing real would be emptied.
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "core/tests/test_business_hours.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 4, run.stdout + run.stderr
    assert "Redis database 0" in run.stdout + run.stderr
    assert "passed" not in run.stdout


def test_ci_gives_the_tests_their_own_redis_database():
    (url,) = re.findall(r'export REDIS_URL="([^"]+)"', CI_RUN)
    assert redis_database(url) != 0


def test_ci_creates_the_database_makemigrations_check_reads():
    database = re.search(r'export DATABASE_URL="postgres://[^"]*/(\w+)"', CI_RUN).group(1)
    creates = CI_RUN.index(f"createdb -h 127.0.0.1 -U postgres {database}")
    assert CI_RUN.index("export DATABASE_URL") < creates < CI_RUN.rindex("make test")
