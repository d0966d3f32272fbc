"""Reading timestamps: Django's stock PostgreSQL backend against ours (psycopg's C loader).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench .venv/bin/python bench/timestamps.py

Reads the start and end of every active appointment in the next 7 days (what a slot search over
the whole network would read) through a Django cursor of each backend, interleaved, and prints
the median and p95 per read, the rows, and µs per timestamp.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

SQL = """SELECT advisor_id, starts_at, ends_at FROM appointments_appointment
         WHERE starts_at >= now() AND starts_at < now() + interval '7 days'
           AND status <> 'cancelled'"""


def timed(cursor, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        cursor.execute(SQL)
        rows = cursor.fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return times, rows


def main() -> None:
    settings_dict = {**connection.settings_dict, "ENGINE": "django.db.backends.postgresql"}
    stock = DjangoWrapper(settings_dict, alias="default")
    results = {"django": [], "ours": []}
    rows = []
    with stock.cursor() as slow, connection.cursor() as fast:
        for _ in range(10):  # interleaved rounds
            t, rows = timed(slow, 5)
            results["django"] += t
            t, _ = timed(fast, 5)
            results["ours"] += t
    stamps = 2 * len(rows)
    print(f"{len(rows)} rows, {stamps} timestamps per read")
    for name, times in results.items():
        times.sort()
        p50 = statistics.median(times)
        print(
            f"{name:>7}: p50 {p50:6.2f} ms  p95 {times[int(len(times) * 0.95) - 1]:6.2f} ms"
            f"  {p50 * 1000 / max(stamps, 1):.2f} µs per timestamp (read included)"
        )
    ratio = statistics.median(results["django"]) / statistics.median(results["ours"])
    print(f"ratio django/ours p50: {ratio:.1f}×")


if __name__ == "__main__":
    main()
