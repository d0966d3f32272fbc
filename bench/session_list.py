"""The public list of group information sessions over the whole province: 2 000 upcoming sessions.

Usage:

    .venv/bin/python bench/session_list.py [--database midi_groups_bench] [--sessions 2000] [--runs 200]

Creates the database on the local PostgreSQL if absent, migrates it, seeds the network and
`seed_load --appointments 0 --sessions N` (idempotent), then requests the page in-process (Django's
test client, DEBUG off, no network) as an anonymous visitor: the first page, a topic filter, a
region filter, the video filter and a page far down the list. Prints p50 / p95 / max ms and the
number of queries of each; fails (exit 1) if a p95 is 50 ms or more or a page needs more than 8
queries (the count does not grow with the sessions: 7 or 8 whatever the page).
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import percentile  # noqa: E402

# The filters' three lists, the count, the page, and its topics, languages and places.
MAX_QUERIES = 8


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="midi_groups_bench")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    url = f"{args.server}/{args.database}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database], capture_output=True)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "bench-not-secret"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run([*manage, "seed_network"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*manage, "seed_load", "--appointments", "0", "--sessions", str(args.sessions)], env=env, check=True
    )
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # one access line per request: not what is measured
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from appointments.models import Topic
    from group_sessions.models import GroupSession

    setup_test_environment()
    upcoming = GroupSession.objects.filter(status="scheduled").count()
    topic = Topic.objects.filter(group_sessions__isnull=False).values_list("code", flat=True).first()
    base = reverse("group_sessions:list")
    variants = {
        "first page": base,
        "topic": f"{base}?topic={topic}",
        "region 04": f"{base}?region=04",
        "video": f"{base}?mode=video",
        "page 40": f"{base}?page=40",
    }
    client = Client()
    failures, counts = [], set()
    print(f"{upcoming} upcoming sessions in {args.database}; load average {os.getloadavg()[0]:.1f}")
    for name, path in variants.items():
        for _ in range(5):  # warm the templates and the connection
            client.get(path)
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        counts.add(len(queries))
        p95 = percentile(times, 95)
        print(
            f"{name:>11}: p50 {percentile(times, 50):5.1f} ms  p95 {p95:5.1f} ms  max {max(times):5.1f} ms"
            f"  {len(queries)} queries; this process's CPU p50 {percentile(cpu, 50):4.1f} ms"
        )
        if p95 >= 50:
            failures.append(f"{name}: p95 {p95:.1f} ms")
    if max(counts) > MAX_QUERIES:
        failures.append(f"{max(counts)} queries (at most {MAX_QUERIES}, whatever the number of sessions)")
    print(
        "FAIL: " + "; ".join(failures)
        if failures
        else f"OK: every p95 < 50 ms, at most {MAX_QUERIES} queries"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
