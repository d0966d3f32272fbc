"""Waitlist matching: how long a freed time takes to find its employer among 1 000 waiting.

Usage (see bench/README.md for loading the database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench \
        .venv/bin/python bench/waitlist.py [--waiting 1000] [--runs 30]

Picks a future confirmed appointment of the load, puts `--waiting` load companies on the
waitlist for its topic, mode and municipality, cancels the appointment and times
`waitlist.services.offer_freed_time` for the freed time (what the Celery task runs after the
cancellation commits), in two line-ups:

- first: every entry fits; the first in line must get the offer;
- last:  the first `waiting - 1` entries want another weekday; only the last one fits.

Each run is rolled back (savepoint), so every run sees the same line; everything is rolled back
at the end. Prints p50 / p95 / max ms and the query count per run.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Company
from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from core.business_hours import local_zone
from devtools.loadgen import NEQ_PREFIX
from waitlist import services as waitlist
from waitlist.models import WaitlistEntry


class Rollback(Exception):
    pass


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def line_up(freed: Appointment, companies, *, fitting_last: bool) -> WaitlistEntry:
    """The waitlist for the freed time; returns the entry that must get the offer."""
    weekday = freed.starts_at.astimezone(local_zone()).weekday()
    other_days = [d for d in range(5) if d != weekday]
    now = timezone.now()
    entries = [
        WaitlistEntry(
            company=company,
            topic=freed.topic,
            mode=freed.mode,
            municipality=freed.municipality,
            max_distance_km=300,
            weekdays=other_days if fitting_last and n < len(companies) - 1 else [],
            time_of_day=ConsultationRequest.TimeOfDay.ANY,
            created_at=now - timedelta(minutes=len(companies) - n),
        )
        for n, company in enumerate(companies)
    ]
    WaitlistEntry.objects.bulk_create(entries)
    return WaitlistEntry.objects.filter(topic=freed.topic).order_by("created_at", "pk")[
        len(companies) - 1 if fitting_last else 0
    ]


def run(freed: Appointment, companies, runs: int, *, fitting_last: bool) -> dict:
    times, queries = [], []
    with transaction.atomic():
        expected = line_up(freed, companies, fitting_last=fitting_last)
        Appointment.objects.filter(pk=freed.pk).update(status=Appointment.Status.CANCELLED)
        for _ in range(runs + 1):  # the first run warms the caches
            try:
                with transaction.atomic():
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        holds = waitlist.offer_freed_time(
                            advisor_id=freed.advisor_id, start=freed.starts_at, end=freed.ends_at
                        )
                        elapsed = (time.perf_counter() - started) * 1000
                    assert [h.entry_id for h in holds] == [expected.pk], (holds, expected)
                    times.append(elapsed)
                    queries.append(len(captured))
                    raise Rollback
            except Rollback:
                pass
        transaction.set_rollback(True)
    times = times[1:]
    return {
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "max": max(times),
        "queries": sorted(set(queries)),
    }


def probe(appointment: Appointment, company) -> bool:
    with transaction.atomic():
        line_up(appointment, [company], fitting_last=False)
        Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
        found = waitlist.offer_freed_time(
            advisor_id=appointment.advisor_id, start=appointment.starts_at, end=appointment.ends_at
        )
        transaction.set_rollback(True)
    return bool(found)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    now = timezone.now()
    candidates = (
        Appointment.objects.filter(
            status=Appointment.Status.CONFIRMED,
            mode=Mode.SERVICE_POINT,
            starts_at__gt=now + timedelta(days=5),
            starts_at__lt=now + timedelta(days=30),
        )
        .select_related("topic", "municipality")
        .order_by("starts_at")[:200]
    )
    companies = list(Company.objects.filter(neq__startswith=NEQ_PREFIX).order_by("pk")[: args.waiting + 1])
    # A freed time someone can take: not kept busy by the buffer of the appointment before it.
    freed = next((a for a in candidates if probe(a, companies[-1])), None)
    if freed is None:
        sys.exit("No future appointment to free: load the database first (bench/README.md).")
    companies = [c for c in companies if c.pk != freed.company_id][: args.waiting]
    if len(companies) < args.waiting:
        sys.exit(f"Only {len(companies)} load companies: load more appointments.")
    print(
        f"freed: {freed.topic.code}, {freed.mode}, {freed.starts_at:%Y-%m-%d %H:%M} UTC, "
        f"adviser {freed.advisor_id}; {args.waiting} waiting, {args.runs} runs each"
    )
    for label, last in (("fits: first in line", False), ("fits: last in line", True)):
        result = run(freed, companies, args.runs, fitting_last=last)
        print(
            f"{label:22} p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
            f"max {result['max']:6.1f} ms  queries {result['queries']}"
        )


if __name__ == "__main__":
    main()
