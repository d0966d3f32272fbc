"""Manager dashboard latency and query count, and the CSV export's speed and memory.

Usage (see bench/README.md for loading the database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench_dash \
        .venv/bin/python bench/dashboard.py [--loads 20] [--code DIRECTORATE] [--export] [--profile]

Dashboard: the page of one directorate (`--code`, default: the one with the most appointments)
rendered through the whole Django stack (test Client, one handler) signed in as its manager, and
the national page signed in as the demo administrator, each for the default period (4 weeks
either side of today) and for a whole year. One untimed load per page warms the caches (signed-in
user, templates), then `--loads` timed loads; every load counts its SQL queries
(CaptureQueriesContext) and the script prints the distinct counts seen, so a count that grows
with the data shows. `--explain` prints EXPLAIN ANALYZE of every query of the directorate and
national pages (default period), slowest first.

`--export` measures the national appointments export, each size in a fresh subprocess so its
peak RSS (ru_maxrss) is its own: five weeks and one year (the form's longest period) streamed
through the test Client, then every appointment of the database through the same row generator
and CSV writer without the view (seed_load at 10× spreads 1 000 000 appointments over more than
a year). Prints rows, rows/s, time to the first chunk, and the RSS before and at the end.
"""

import argparse
import cProfile
import io
import json
import logging
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
os.environ.setdefault("SECRET_KEY", "bench-not-secret")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()
logging.getLogger("midi_regions.access").setLevel(logging.WARNING)  # one line per request otherwise

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import mfa
from accounts.models import User
from appointments.models import Appointment
from consultations.models import ConsultationRequest
from dashboards import rollups
from dashboards.export_views import appointment_rows, csv_chunks
from dashboards.selectors import Filters
from midi_regions.models import RegionalDirectorate
from midi_regions.seeding import DEMO_ADMIN_EMAIL


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def rss_mib() -> float:
    """Peak resident set size of this process so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def signed_in(user: User) -> Client:
    """A client with `user`'s session, the staff second factor already given: under DEBUG=0
    (REQUIRE_STAFF_MFA) the middleware otherwise sends a manager or administrator to the TOTP
    pages (302). The flag is the one `accounts.mfa` keeps in the session once a code was given."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[mfa.SESSION_KEY] = True
    session.save()
    return client


def busiest_directorate() -> RegionalDirectorate:
    counts = (
        Appointment.objects.values("advisor__home_service_point__municipality__region__directorate")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    return RegionalDirectorate.objects.get(
        pk=counts[0]["advisor__home_service_point__municipality__region__directorate"]
    )


def measure_page(client: Client, url: str, params: dict, loads: int) -> dict:
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(url, params)
        cold = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (response.status_code, response.content[:300])
    cold_queries = len(ctx.captured_queries)
    timings, queries = [], []
    for _ in range(loads):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries.append(len(ctx.captured_queries))
    return {
        "cold": cold,
        "cold_queries": cold_queries,
        "timings": timings,
        "queries": queries,
        "bytes": len(response.content),
        "captured": ctx.captured_queries,
    }


def print_row(label: str, result: dict) -> None:
    t = result["timings"]
    counts = sorted(set(result["queries"]))
    print(
        f"{label:44} {len(t):3d} {percentile(t, 50):8.1f} {percentile(t, 95):8.1f} {max(t):8.1f} "
        f"{result['cold']:8.1f}   {'/'.join(map(str, counts)):>5} (first {result['cold_queries']})  "
        f"{result['bytes'] / 1024:6.0f} KiB"
    )


def slowest_queries(result: dict, n: int = 5) -> None:
    ranked = sorted(result["captured"], key=lambda q: -float(q["time"]))[:n]
    for q in ranked:
        print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:150]}")


def explain(result: dict) -> None:
    """EXPLAIN ANALYZE of the queries of one load, slowest first."""
    ranked = sorted(result["captured"], key=lambda q: -float(q["time"]))
    with connection.cursor() as cursor:
        for q in ranked:
            if not q["sql"].lstrip().upper().startswith("SELECT"):
                continue
            print(f"\n--- {float(q['time']) * 1000:.1f} ms: {q['sql'][:300]}")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            for (line,) in cursor.fetchall():
                print("   ", line)


def dashboards(args) -> None:
    directorate = RegionalDirectorate.objects.get(code=args.code) if args.code else busiest_directorate()
    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    today = timezone.localdate()
    year = {
        "start": (today - timedelta(days=300)).isoformat(),
        "end": (today + timedelta(days=65)).isoformat(),
    }
    in_scope = Appointment.objects.filter(
        advisor__home_service_point__municipality__region__directorate=directorate
    ).count()
    print(
        f"directorate measured: {directorate.code} ({in_scope} appointments, its manager "
        f"{directorate.manager.email}); national: {admin.email}"
    )
    print()
    print(f"{'page':44} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'first':>8}   queries")
    client = signed_in(directorate.manager)
    url = reverse("midi_regions:dashboard", kwargs={"code": directorate.code})
    admin_client = signed_in(admin)
    national = reverse("midi_regions:national")
    pages = [
        ("directorate", f"{directorate.code}, default period (8 weeks)", client, url, {}),
        ("directorate year", f"{directorate.code}, one year", client, url, year),
        ("national", "national, default period (8 weeks)", admin_client, national, {}),
        ("national year", "national, one year", admin_client, national, year),
    ]
    results = {}
    # Before (every figure from the appointments) and after (closed days from the daily
    # roll-ups), page by page in one run, so the machine's load weighs on both alike.
    for key, label, page_client, page_url, params in pages:
        for variant, enabled in (("live", False), ("roll-ups", True)):
            with override_settings(DASHBOARD_ROLLUPS=enabled):
                result = measure_page(page_client, page_url, params, args.loads)
            results[f"{key} ({variant})"] = result
            print_row(f"{label}, {variant}", result)
    for label, result in results.items():
        print(f"\nslowest queries of one warm load, {label}:")
        slowest_queries(result)
    if args.explain:
        for label in ("directorate (roll-ups)", "national (roll-ups)", "national year (roll-ups)"):
            print(f"\n===== EXPLAIN ANALYZE, {label}")
            explain(results[label])
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.loads):
            client.get(url, {})
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(args.profile_sort)
        stats.print_stats(30)
        print(out.getvalue())


def export_child(start: str, end: str, direct: bool) -> None:
    """One national export; prints a JSON line. Through the test Client, or (`direct`) the same
    row generator and CSV writer called without the view, for periods longer than the form's
    one-year limit."""
    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    client = signed_in(admin)
    client.get(reverse("midi_regions:network"))  # the middleware chain, warmed
    before_peak, before_now = rss_mib(), current_rss_mib()
    started = time.perf_counter()
    if direct:
        filters = Filters(
            directorates=tuple(RegionalDirectorate.objects.values_list("pk", flat=True)),
            start=date.fromisoformat(start),
            end=date.fromisoformat(end),
        )
        header, rows = appointment_rows(filters)
        chunks_iter = (chunk.encode() for chunk in csv_chunks(header, rows))
    else:
        url = reverse("midi_regions:national_export_appointments")
        response = client.get(url, {"start": start, "end": end})
        assert response.status_code == 200 and response.streaming, response.status_code
        chunks_iter = response.streaming_content
    first = None  # the first chunk with rows (the one before holds the BOM and the header)
    size = lines = chunks = 0
    for chunk in chunks_iter:
        if chunks == 1:
            first = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
        chunks += 1
    elapsed = time.perf_counter() - started
    if not direct:
        response.close()
    print(
        json.dumps(
            {
                "rows": lines - 1,
                "bytes": size,
                "chunks": chunks,
                "seconds": elapsed,
                "first_chunk_s": first,
                "rss_before_mib": before_now,
                "peak_before_mib": before_peak,
                "peak_after_mib": rss_mib(),
            }
        )
    )


def exports() -> None:
    span = Appointment.objects.aggregate(first=Min("starts_at"), last=Max("starts_at"))
    first = timezone.localtime(span["first"]).date()
    last = timezone.localtime(span["last"]).date()
    days = (last - first).days
    year = min(days, 366)
    windows = [
        ("HTTP, 5 weeks", False, last - timedelta(days=95), last - timedelta(days=60)),
        ("HTTP, one year (form's max)", False, last - timedelta(days=year), last),
        (f"direct, all {days + 1} days", True, first, last),
    ]
    print()
    print(
        f"{'national appointments export':36} {'rows':>9} {'MiB':>7} {'s':>6} {'rows/s':>8} "
        f"{'1st rows':>9} {'RSS before':>10} {'peak after':>10} {'growth':>7}"
    )
    for label, direct, start, end in windows:
        command = [sys.executable, __file__, "--export-child", start.isoformat(), end.isoformat()]
        child = subprocess.run(
            command + (["--direct"] if direct else []), capture_output=True, text=True, env=os.environ
        )
        if child.returncode:
            print(child.stderr[-2000:])
            raise SystemExit(child.returncode)
        r = json.loads(child.stdout.strip().splitlines()[-1])
        # Against the resident size just before the request: the peak before it may be higher
        # (start-up), which would hide the export's own growth.
        growth = r["peak_after_mib"] - r["rss_before_mib"]
        print(
            f"{label + f' ({start:%y-%m-%d}…{end:%m-%d})':36} {r['rows']:9d} {r['bytes'] / 2**20:7.1f} "
            f"{r['seconds']:6.1f} {r['rows'] / r['seconds']:8.0f} {r['first_chunk_s']:8.2f}s "
            f"{r['rss_before_mib']:9.0f}M {r['peak_after_mib']:9.0f}M {growth:+6.0f}M"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20, help="timed loads per page")
    parser.add_argument("--code", default="", help="directorate code (default: the busiest)")
    parser.add_argument("--export", action="store_true", help="also measure the CSV export")
    parser.add_argument("--no-dashboard", action="store_true", help="skip the dashboard pages")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the default-period pages")
    parser.add_argument("--profile", action="store_true", help="cProfile the directorate page")
    parser.add_argument("--profile-sort", default="cumulative", help="pstats order (cumulative, tottime…)")
    parser.add_argument("--export-child", nargs=2, metavar=("START", "END"), help=argparse.SUPPRESS)
    parser.add_argument("--direct", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(*args.export_child, direct=args.direct)
        return

    if not settings.DEBUG:
        # DEBUG=0 serves static files from the manifest in ./staticfiles (as in production).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True
        )
    print(f"date: {date.today().isoformat()}  host: {platform.node()}  cpus: {os.cpu_count()}")
    print(
        f"python {platform.python_version()}, django {django.get_version()}, "
        f"database: {connection.vendor} {connection.settings_dict['NAME']}"
    )
    print(
        f"appointments: {Appointment.objects.count()}  requests: {ConsultationRequest.objects.count()}  "
        f"directorates: {RegionalDirectorate.objects.count()}"
    )
    if not args.no_dashboard:
        if rollups.available():
            started = time.perf_counter()
            closed, refreshed = rollups.advance(), rollups.refresh()
            print(
                f"roll-ups brought up to date: {closed} days closed, {refreshed} recomputed in "
                f"{time.perf_counter() - started:.1f} s (manage.py backfill_dashboard_rollups the first time)"
            )
        dashboards(args)
    if args.export:
        exports()


if __name__ == "__main__":
    main()
