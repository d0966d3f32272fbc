"""Slot search latency: `appointments.selectors.available_slots` before and after, at 1× and 10×.

Usage (see bench/README.md for loading the databases):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench \
        .venv/bin/python bench/slot_search.py [--ten-x postgres://…/midi_bench10] [--rounds 3] \
        [--runs 960] [--picker] [--profile]

The searches are every active topic × the 4 modes × 11 municipalities spread over Québec. For
each database and round, two processes run one after the other:

- **before**: Django's own PostgreSQL backend (pure-Python timestamp loader, no prepared
  statements) running the search as it was (bench/slot_search_before.py: everything read from
  the database);
- **old / new**: our backend (core.db.postgresql), running the old search and today's
  (the catalogue in memory, appointments.catalogue) interleaved, search by search. First, every
  search of the plan is run by both with the same `now` and their answers compared (advisers,
  points, distances, days, slots, windows): any difference is printed and fails the run.

Each variant has an untimed pass counting its SQL queries per search (CaptureQueriesContext),
then `--runs` timed searches cycling through the plan in a fixed shuffled order. Printed side by
side: p50 / p95 / max in ms, queries per search, and the 10×/1× p95 ratio per round.
`--picker` times the booking page's search instead: every day of the fortnight
(`days_per_group=None`), empty weeks skipped (`skip_empty`), and the day picker's counts.
`--profile` prints a cProfile of one pass of the new search (single process, this database).
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
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")

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


# --- One process: one backend, one database ---------------------------------------------------


def child(args) -> dict:
    import django

    django.setup()
    from django.conf import settings

    if args.backend == "django":
        # Django's own backend, as before issue 20: set before the first connection is made.
        settings.DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
        settings.DATABASES["default"].setdefault("OPTIONS", {}).pop("prepare_threshold", None)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from advisors.models import Advisor
    from appointments.models import Appointment, Mode, Topic
    from appointments.selectors import available_slots, day_picker
    from bench import slot_search_before
    from service_points.models import Municipality

    places = []
    for name in MUNICIPALITIES:
        m = Municipality.objects.filter(name=name).order_by("-population").first()
        if m is None:
            print(f"warning: no municipality named {name!r}", file=sys.stderr)
        else:
            places.append(m)
    topics = list(Topic.objects.filter(is_active=True).order_by("position", "code"))
    plan = [(t, m, p) for t in topics for m in Mode.values for p in places]
    implementations = {"old": slot_search_before.available_slots, "new": available_slots}
    variants = ["old"] if args.backend == "django" else ["old", "new"]

    def run(variant, search, now=None) -> tuple[float, object]:
        topic, mode, place = search
        search_fn = implementations[variant]
        started = time.perf_counter()
        if args.picker:
            result = search_fn(
                topic=topic, mode=mode, location=place, now=now, days_per_group=None, skip_empty=True
            )
            day_picker(result)
        else:
            result = search_fn(topic=topic, mode=mode, location=place, now=now)
        return (time.perf_counter() - started) * 1000, result

    out = {
        "backend": connection.__class__.__module__,
        "advisers": Advisor.objects.filter(is_active=True).count(),
        "appointments": Appointment.objects.count(),
        "searches": len(plan),
        "variants": {},
    }
    if len(variants) == 2:  # identical answers over the whole plan, same `now`
        now = timezone.now()
        differences = []
        for search in plan:
            answers = [canonical(run(v, search, now)[1]) for v in variants]
            if answers[0] != answers[1]:
                differences.append(f"{search[0].code} / {search[1]} / {search[2].name}")
        out["compared"] = len(plan)
        out["differences"] = differences

    for variant in variants:  # untimed pass: queries per search
        queries = []
        for search in plan:
            with CaptureQueriesContext(connection) as ctx:
                run(variant, search)
            queries.append(len(ctx.captured_queries))
        out["variants"][variant] = {"queries": queries, "ms": []}
    order = list(range(len(plan)))
    random.Random(42).shuffle(order)
    for n in range(args.runs):
        search = plan[order[n % len(order)]]
        for variant in variants if n % 2 == 0 else reversed(variants):  # interleaved
            ms, _ = run(variant, search)
            out["variants"][variant]["ms"].append(ms)

    if args.profile and args.backend == "ours":
        profiler = cProfile.Profile()
        profiler.enable()
        for search in plan:
            run("new", search)
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(stream.getvalue(), file=sys.stderr)
    return out


def canonical(result) -> tuple:
    """What a person sees of a search: advisers, places, distances, days and slots, windows."""
    return (
        result.window_start,
        result.window_end,
        result.horizon_end,
        result.next_from,
        getattr(result, "earliest_day", None),
        getattr(result, "requested", None),
        tuple(
            (
                g.option.advisor_id,
                str(g.advisor),
                tuple((lang.code, lang.name) for lang in g.advisor.languages.all()),
                g.option.service_point_id,
                str(g.service_point) if g.service_point else None,
                g.service_point.municipality.name if g.service_point else None,
                round(g.distance_km, 6),
                g.preferred,
                tuple(
                    (day, tuple((s.advisor_id, s.start, s.end, s.service_point_id) for s in slots))
                    for day, slots in g.days
                ),
            )
            for g in result.groups
        ),
    )


# --- The parent: rounds × databases × backends, printed side by side --------------------------


def measure(url: str, backend: str, args) -> dict:
    command = [sys.executable, __file__, "--child", "--backend", backend, "--runs", str(args.runs)]
    command += ["--picker"] * args.picker + ["--profile"] * args.profile
    done = subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{backend} on {url} failed:\n{done.stderr}")
    if done.stderr.strip():
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout)


def summary(variant: dict) -> tuple[float, float, float, str]:
    ms, queries = variant["ms"], variant["queries"]
    return (
        percentile(ms, 50),
        percentile(ms, 95),
        max(ms),
        f"{min(queries)}–{max(queries)} (mean {statistics.mean(queries):.2f})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=960, help="timed searches per variant (cycling)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of (1×, 10×)")
    parser.add_argument("--ten-x", default="", help="DATABASE_URL of the 10× database (seed_load --scale 10)")
    parser.add_argument("--picker", action="store_true", help="the booking page's day picker search")
    parser.add_argument("--profile", action="store_true", help="cProfile one pass of the new search")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=["django", "ours"], default="ours", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args), default=str))
        return

    databases = [("1×", os.environ["DATABASE_URL"])] + ([("10×", args.ten_x)] if args.ten_x else [])
    print(f"date: {date.today().isoformat()}  host: {platform.node()}  cpus: {os.cpu_count()}")
    print(
        f"python {platform.python_version()}; {args.runs} timed searches per variant"
        + " (picker)" * args.picker
    )
    failed = False
    for round_number in range(1, args.rounds + 1):
        print(f"\nround {round_number}")
        print(f"{'':5} {'variant':44} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  queries per search")
        p95 = {}
        for label, url in databases:
            before = measure(url, "django", args)
            ours = measure(url, "ours", args)
            if round_number == 1:
                print(
                    f"{label:5} {ours['advisers']} advisers, {ours['appointments']} appointments, "
                    f"{ours['searches']} searches; identical answers: "
                    f"{ours['compared'] - len(ours['differences'])}/{ours['compared']}"
                )
            for difference in ours["differences"]:
                print(f"      DIFFERENT: {difference}")
                failed = True
            rows = [
                ("before: Django backend, search as it was", before["variants"]["old"]),
                ("old search on our backend (C loader)", ours["variants"]["old"]),
                ("new: catalogue in memory", ours["variants"]["new"]),
            ]
            for name, variant in rows:
                p50, p95_ms, top, queries = summary(variant)
                print(f"{label:5} {name:44} {p50:7.2f} {p95_ms:7.2f} {top:7.1f}  {queries}")
            p95[label] = {"before": summary(rows[0][1])[1], "new": summary(rows[2][1])[1]}
        if "10×" in p95:
            print(
                f"10×/1× p95 ratio: before {p95['10×']['before'] / p95['1×']['before']:.2f}, "
                f"new {p95['10×']['new'] / p95['1×']['new']:.2f}"
            )
    if failed:
        sys.exit("the new search answered differently")


if __name__ == "__main__":
    main()
