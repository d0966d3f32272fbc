"""Calendar feed latency: one adviser's week as FullCalendar JSON on a loaded database.

Usage (see bench/README.md for loading the database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench10 \
        .venv/bin/python bench/calendar_json.py [--advisers 550] [--weeks 3] [--http 200] [--profile]

Every active adviser (or the first `--advisers` of them) × `--weeks` weeks around today (last
week, this week, next week: the busiest part of the seed_load grid). One untimed pass over
every (adviser, week) warms the caches and counts the SQL queries of each call
(CaptureQueriesContext); then a timed pass in a fixed shuffled order measures
`agenda.calendar.calendar_events` plus the JSON encoding, which is all the feed view adds.
`--http N` also times N requests through the whole Django stack (test Client, middleware,
session, signed-in user, URL routing) for a sample of advisers, each signed in beforehand.
Prints p50 / p95 / max in ms, the query count per call (min / max), events per call and the
size of the database. `--profile` adds a cProfile of one more pass.
"""

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from advisors.models import Advisor
from agenda.calendar import calendar_events
from appointments.models import Appointment
from core.business_hours import local_zone


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def weeks_around_today(count: int) -> list[tuple[datetime, datetime]]:
    """`count` Monday-to-Monday weeks in America/Toronto, starting with last week."""
    tz = local_zone()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday()) - timedelta(days=7)
    weeks = []
    for n in range(count):
        start: date = monday + timedelta(days=7 * n)
        weeks.append(
            (
                datetime.combine(start, clock(0), tzinfo=tz),
                datetime.combine(start + timedelta(days=7), clock(0), tzinfo=tz),
            )
        )
    return weeks


def run(advisor: Advisor, start: datetime, end: datetime) -> tuple[float, int, int]:
    """(ms, events, bytes) of one feed answer: the events and their JSON encoding."""
    started = time.perf_counter()
    events = calendar_events(advisor, start, end)
    body = json.dumps(events)
    return (time.perf_counter() - started) * 1000, len(events), len(body)


def row(label: str, values: list[float]) -> str:
    return (
        f"{label:26} {len(values):6d} {percentile(values, 50):8.2f} "
        f"{percentile(values, 95):8.2f} {max(values):8.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisers", type=int, default=0, help="at most this many advisers (0: all)")
    parser.add_argument("--weeks", type=int, default=3, help="weeks per adviser, from last week on")
    parser.add_argument("--http", type=int, default=200, help="requests through the Django stack")
    parser.add_argument("--profile", action="store_true", help="cProfile one more pass and print it")
    args = parser.parse_args()

    advisers = list(Advisor.objects.filter(is_active=True).select_related("user").order_by("pk"))
    if args.advisers:
        advisers = advisers[: args.advisers]
    weeks = weeks_around_today(args.weeks)
    plan = [(a, start, end) for a in advisers for start, end in weeks]
    appointments = Appointment.objects.count()
    in_weeks = Appointment.objects.filter(starts_at__gte=weeks[0][0], starts_at__lt=weeks[-1][1]).count()
    print(f"date: {date.today().isoformat()}  host: {platform.node()}  cpus: {os.cpu_count()}")
    print(
        f"python {platform.python_version()}, django {django.get_version()}, "
        f"database: {connection.vendor} {connection.settings_dict['NAME']}"
    )
    print(
        f"advisers (active, measured): {len(advisers)}  appointments: {appointments}  "
        f"(in the {len(weeks)} weeks measured: {in_weeks})"
    )
    print(
        f"calls: {len(plan)} = {len(advisers)} advisers × {len(weeks)} weeks "
        f"({weeks[0][0]:%Y-%m-%d} to {weeks[-1][1]:%Y-%m-%d})"
    )

    translation.activate(settings.LANGUAGE_CODE)
    # Warm-up pass: every call once, with its query count and the size of its answer.
    queries, cold, events, sizes, appts = [], [], [], [], []
    for advisor, start, end in plan:
        with CaptureQueriesContext(connection) as ctx:
            ms, n_events, n_bytes = run(advisor, start, end)
        cold.append(ms)
        queries.append(len(ctx.captured_queries))
        events.append(n_events)
        sizes.append(n_bytes)
    for advisor, start, end in plan[: min(len(plan), 300)]:
        appts.append(
            Appointment.objects.filter(advisor=advisor, starts_at__lt=end, ends_at__gt=start).count()
        )
    print(
        f"warm-up pass: {sum(cold):.0f} ms in all; queries per call: min {min(queries)}, "
        f"max {max(queries)}, mean {statistics.mean(queries):.2f}"
    )
    print(
        f"events per call: min {min(events)}, max {max(events)}, mean {statistics.mean(events):.1f}; "
        f"appointments per week (first {len(appts)} calls): min {min(appts)}, max {max(appts)}, "
        f"mean {statistics.mean(appts):.1f}; JSON: mean {statistics.mean(sizes) / 1024:.1f} KiB"
    )

    order = list(range(len(plan)))
    random.Random(42).shuffle(order)
    timings, slowest = [], []
    for index in order:
        advisor, start, end = plan[index]
        ms, n_events, _bytes = run(advisor, start, end)
        timings.append(ms)
        slowest.append((ms, advisor, start, n_events))

    print()
    print(f"{'':26} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    print(row("calendar_events + JSON", timings))

    if args.http:
        # Through the whole stack: each sampled adviser signs in once (untimed), then asks for a
        # week. The first request of a session loads the signed-in user (1 query, then cached).
        sample = random.Random(7).sample(advisers, min(len(advisers), max(1, args.http // len(weeks))))
        url = reverse("advisors:calendar_events")
        http_ms, http_first, http_queries = [], [], []
        client = Client()  # one handler: a new Client would also time building the middleware
        client.get(url, {"start": "x"})  # anonymous: loads the middleware chain once
        for advisor in sample:
            client.force_login(advisor.user)
            for n, (start, end) in enumerate(weeks):
                params = {"start": start.isoformat(), "end": end.isoformat()}
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    (http_ms if n else http_first).append((time.perf_counter() - started) * 1000)
                http_queries.append(len(ctx.captured_queries))
                assert response.status_code == 200, response.content[:200]
        print(row("HTTP GET, first of session", http_first))
        if http_ms:
            print(row("HTTP GET, next ones", http_ms))
        print(
            f"HTTP queries per request: min {min(http_queries)}, max {max(http_queries)} "
            f"(the first request of each session also loads the user)"
        )

    print("slowest calls:")
    for ms, advisor, start, n_events in sorted(slowest, key=lambda x: -x[0])[:5]:
        print(f"  {ms:7.2f} ms  adviser {advisor.pk} week of {start:%Y-%m-%d}: {n_events} events")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for advisor, start, end in plan:
            run(advisor, start, end)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(out.getvalue())


if __name__ == "__main__":
    main()
