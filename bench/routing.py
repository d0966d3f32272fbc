"""Routing latency: `consultations.routing.route_request` on a loaded database.

Usage (see bench/README.md for loading the database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench \
        .venv/bin/python bench/routing.py [--requests 10000] [--seed 1]

Creates `--requests` consultation requests for load companies (NEQ starting with 9) across every
active topic, the 4 modes and two languages (85 % French), then routes each one by calling
`route_request` directly (no broker; the adviser emails are counted, not queued). Requests are
routed one after the other, so later ones see the caseload of earlier ones, as in production.
Prints mean / p50 / p95 / max ms per decision, the query count per decision (min / max), the
reasons, and the size of the network. Every request created is deleted at the end (with its
decisions), so the database is left as it was; a crashed run's leftovers are removed first.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Company
from advisors.models import Advisor
from appointments.models import Appointment, Mode, Topic
from consultations import routing
from consultations.models import ConsultationRequest
from devtools.loadgen import NEQ_PREFIX

MARK = "bench/routing.py"  # the message of every request this script creates
MODES = ([Mode.PHONE, Mode.VIDEO, Mode.SERVICE_POINT, Mode.PREMISES], [30, 25, 30, 15])
LANGUAGES = (["fr", "en"], [85, 15])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def clean_up() -> int:
    deleted, _ = ConsultationRequest.objects.filter(message=MARK).delete()
    return deleted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    if clean_up():
        print("removed the leftovers of an earlier run")
    rng = random.Random(args.seed)
    companies = list(Company.objects.filter(neq__startswith=NEQ_PREFIX).values_list("pk", "municipality_id"))
    topics = list(Topic.objects.filter(is_active=True).values_list("pk", flat=True))
    if not companies or not topics:
        sys.exit("No load companies or topics: run seed_network and seed_load first (bench/README.md).")
    now = timezone.now()
    requests = []
    for _ in range(args.requests):
        company_id, municipality_id = rng.choice(companies)
        requests.append(
            ConsultationRequest(
                company_id=company_id,
                municipality_id=municipality_id,
                topic_id=rng.choice(topics),
                mode=rng.choices(*MODES)[0],
                language=rng.choices(*LANGUAGES)[0],
                message=MARK,
            )
        )
    emails = []
    routing.enqueue = lambda task, *a, **kw: emails.append(a)  # count the emails, queue nothing
    try:
        created = ConsultationRequest.objects.bulk_create(requests, batch_size=2000)
        ids = [(r.pk, r.mode) for r in created]
        timings: list[float] = []
        queries: list[int] = []
        by_mode: dict[str, list[float]] = {}
        reasons: Counter = Counter()
        for pk, mode in ids:
            reset_queries()  # the query log keeps 9000 entries: a full log would count 0
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                decision = routing.route_request(pk, now=now)
                elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            by_mode.setdefault(mode, []).append(elapsed)
            queries.append(len(captured))
            reasons[decision.reason] += 1

        db = connection.settings_dict["NAME"]
        print(
            f"database {db} ({connection.vendor}): {Advisor.objects.count()} advisers, "
            f"{Appointment.objects.count()} appointments, {len(companies)} load companies, "
            f"{len(topics)} topics"
        )
        print(f"routed {len(timings)} requests, {len(emails)} emails counted")
        print(
            f"ms per decision: mean {statistics.fmean(timings):.2f}  p50 {percentile(timings, 0.5):.2f}  "
            f"p95 {percentile(timings, 0.95):.2f}  max {max(timings):.2f}"
        )
        for mode, values in sorted(by_mode.items()):
            print(
                f"  {mode:<14} n={len(values):<5} mean {statistics.fmean(values):6.2f}  "
                f"p95 {percentile(values, 0.95):6.2f}"
            )
        print(
            f"queries per decision: min {min(queries)}  max {max(queries)}"
            f"  mean {statistics.fmean(queries):.2f}"
        )
        print("reasons: " + ", ".join(f"{reason} {n}" for reason, n in reasons.most_common()))
    finally:
        print(f"cleaned up {clean_up()} rows (requests and their decisions)")


if __name__ == "__main__":
    main()
