"""Slot search latency: `appointments.selectors.available_slots` on a loaded database.

Usage (see bench/README.md for loading the database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench \
        .venv/bin/python bench/slot_search.py [--runs 960] [--profile] [--picker]

The searches are every active topic × the 4 modes × 11 municipalities spread over Québec. One
untimed pass over all of them warms the caches and counts the SQL queries of each search
(CaptureQueriesContext); then `--runs` timed searches cycle through them in a fixed shuffled
order. Prints p50 / p95 / max in ms overall and per mode, the query count per search (min / max)
and the size of the database. `--profile` adds a cProfile of one more pass. `--picker` times the
booking page's search instead: every day of the fortnight (`days_per_group=None`), empty weeks
skipped (`skip_empty`), and the day picker's counts (`day_picker`).
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisors.models import Advisor
from appointments.models import Appointment, Mode, Topic
from appointments.selectors import available_slots, day_picker
from service_points.models import Municipality

# From the south-west to the far east and north: big cities and remote towns.
MUNICIPALITIES = [
    "Montréal",
    "Québec",
    "Gatineau",
    "Sherbrooke",
    "Trois-Rivières",
    "La Tuque",
    "Saguenay",
    "Rimouski",
    "Gaspé",
    "Sept-Îles",
    "Rouyn-Noranda",
]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def municipalities() -> list[Municipality]:
    found = []
    for name in MUNICIPALITIES:
        m = Municipality.objects.filter(name=name).order_by("-population").first()
        if m is None:
            print(f"warning: no municipality named {name!r}", file=sys.stderr)
        else:
            found.append(m)
    return found


def searches() -> list[tuple[Topic, str, Municipality]]:
    topics = list(Topic.objects.filter(is_active=True).order_by("position", "code"))
    places = municipalities()
    return [(t, m, p) for t in topics for m in Mode.values for p in places]


PICKER = False  # --picker: the booking page's search (every day of the window, counts per day)


def run(search) -> tuple[float, object]:
    topic, mode, place = search
    started = time.perf_counter()
    if PICKER:
        result = available_slots(topic=topic, mode=mode, location=place, days_per_group=None, skip_empty=True)
        day_picker(result)
    else:
        result = available_slots(topic=topic, mode=mode, location=place)
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=960, help="timed searches (cycling over the set)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more pass and print it")
    parser.add_argument("--picker", action="store_true", help="the booking page's day picker search")
    args = parser.parse_args()
    global PICKER  # noqa: PLW0603 (a script's one switch)
    PICKER = args.picker

    now = timezone.now()
    advisers = Advisor.objects.filter(is_active=True).count()
    appointments = Appointment.objects.count()
    upcoming = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES, starts_at__gte=now).count()
    plan = searches()
    print(f"date: {date.today().isoformat()}  host: {platform.node()}  cpus: {os.cpu_count()}")
    print(
        f"python {platform.python_version()}, django {django.get_version()}, "
        f"database: {connection.vendor} {connection.settings_dict['NAME']}"
    )
    print(f"advisers (active): {advisers}  appointments: {appointments}  (active upcoming: {upcoming})")
    print(
        f"searches: {len(plan)} = {len({s[0].pk for s in plan})} topics × {len(Mode.values)} modes × "
        f"{len({s[2].pk for s in plan})} municipalities"
    )

    # Warm-up pass: every search once, with its query count and what it found.
    queries, empty, cold = [], [], []
    for search in plan:
        with CaptureQueriesContext(connection) as ctx:
            ms, result = run(search)
        cold.append(ms)
        queries.append(len(ctx.captured_queries))
        if not result.groups:
            empty.append(search)
    print(
        f"warm-up pass: {sum(cold):.0f} ms in all; queries per search: min {min(queries)}, "
        f"max {max(queries)}, mean {statistics.mean(queries):.1f}; "
        f"searches with no slot at all: {len(empty)}"
    )
    for topic, mode, place in empty[:10]:
        print(f"  no slot: {topic.code} / {mode} / {place.name}")

    order = list(range(len(plan)))
    random.Random(42).shuffle(order)
    timings, by_mode, slowest = [], defaultdict(list), []
    for n in range(args.runs):
        search = plan[order[n % len(order)]]
        ms, _result = run(search)
        timings.append(ms)
        by_mode[search[1]].append(ms)
        slowest.append((ms, search))

    print()
    print(f"timed searches: {len(timings)} (warm)")
    print(f"{'':16} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    rows = [("all", timings)] + [(mode, by_mode[mode]) for mode in Mode.values if by_mode[mode]]
    for label, values in rows:
        print(
            f"{label:16} {len(values):5d} {percentile(values, 50):8.1f} "
            f"{percentile(values, 95):8.1f} {max(values):8.1f}"
        )
    print("slowest searches:")
    for ms, (topic, mode, place) in sorted(slowest, key=lambda x: -x[0])[:5]:
        print(f"  {ms:7.1f} ms  {topic.code} / {mode} / {place.name}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for search in plan:
            run(search)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(out.getvalue())


if __name__ == "__main__":
    main()
