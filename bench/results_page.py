"""The booking results page against our bare view, side by side under gunicorn, in one run.

Usage (the 1× bench database loaded as in bench/README.md, with `seed_network --demo-users`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench REDIS_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python bench/results_page.py --port 8765 [--connections 8] [--duration 10] \
        [--rounds 5] [--workers 4] [--profile 200]

gunicorn (4 sync workers, DEBUG=0, `--max-requests 0`) on `--port`; the demo employer signed in
(a session row, as `login` writes it); then, interleaved in `--rounds` slices so a shared machine
slows both alike: `/healthz` (our bare view: the whole middleware stack, no database) and the
results page (`appointments:slots`, step 2 of booking) cycling through every topic × mode from
the company's municipality. Prints req/s, p50 / p95 of each and results ÷ bare (target ≥ 0.25,
issue 20). `--profile N` first renders N results pages in this process under cProfile, through
the test client, and prints the 25 costliest functions (cumulative): where the page's time goes.
`--cpu N` also compares, in process, the CPU time of N results pages with 10 N bare requests
(interleaved, 3 rounds): a ratio a machine shared with other jobs barely moves.
The client is threaded http.client in a closed loop (no wrk on this machine).
"""

import argparse
import cProfile
import os
import pstats
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from booking_throughput import (
    booking_urls,
    employer_session,
    fetch,
    hammer,
    start_gunicorn,
    summarise,
    wait_until_up,
)
from common import ROOT, setup_django

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/midi_bench"


def profile(urls: list[str], cookie_name: str, session_key: str, count: int) -> None:
    """`count` results pages through the test client under cProfile; the top 25 functions."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="fr-CA", SERVER_NAME="127.0.0.1")
    client.cookies[cookie_name] = session_key
    for url in urls:  # warm: imports, templates, the catalogue in memory
        assert client.get(url).status_code == 200
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(count):
        client.get(urls[n % len(urls)])
    profiler.disable()
    profiler.dump_stats(os.path.join(tempfile.gettempdir(), "midi-bench-results-page.prof"))
    print(f"\ncProfile, {count} results pages in process (cumulative, top 25; all in the .prof file):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def cpu_ratio(urls: list[str], cookie_name: str, session_key: str, count: int) -> None:
    """In process, through the test client: the CPU time of this process per request, bare view
    against the results page, interleaved in 3 rounds (the median). On a machine shared with
    other jobs the CPU time barely moves while wall times swing; what it leaves out is the
    database's and Redis's own CPU, and gunicorn's."""
    from django.test import Client

    signed_in = Client(HTTP_ACCEPT_LANGUAGE="fr-CA", SERVER_NAME="127.0.0.1")
    signed_in.cookies[cookie_name] = session_key
    bare = Client(HTTP_ACCEPT_LANGUAGE="fr-CA", SERVER_NAME="127.0.0.1")
    for url in urls:
        signed_in.get(url)
    rounds: dict[str, list[float]] = {"/healthz (bare)": [], "results page": []}
    for _ in range(3):
        started = time.process_time()
        for _ in range(count * 10):
            bare.get("/healthz")
        rounds["/healthz (bare)"].append((time.process_time() - started) / (count * 10))
        started = time.process_time()
        for n in range(count):
            signed_in.get(urls[n % len(urls)])
        rounds["results page"].append((time.process_time() - started) / count)
    median = {label: statistics.median(values) for label, values in rounds.items()}
    print(f"\nin process, CPU time of this process per request (median of 3 rounds, {count} pages each):")
    for label, seconds in median.items():
        print(f"  {label:16} {seconds * 1e3:7.2f} ms")
    share = median["/healthz (bare)"] / median["results page"]
    print(f"  results page ÷ bare view: {share:.3f} (requests/s share)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="gunicorn's port (1024–65535)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per endpoint")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--profile", type=int, default=0, help="results pages to profile first (0: none)")
    parser.add_argument(
        "--cpu", type=int, default=0, help="results pages for the in-process CPU ratio (0: none)"
    )
    args = parser.parse_args()
    if not (1024 <= args.port <= 65535 and 1 <= args.connections <= 64 and 0 < args.duration <= 120):
        sys.exit("port 1024–65535, connections 1–64, duration ≤ 120 s")
    if not (0 <= args.warmup <= 30 and 1 <= args.rounds <= 20 and 0 <= args.profile <= 10_000):
        sys.exit("warmup ≤ 30 s, rounds 1–20, profile ≤ 10 000")
    if not 0 <= args.cpu <= 10_000:
        sys.exit("cpu ≤ 10 000")

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["LOG_LEVEL"] = "WARNING"  # no access line per profiled page
    secret_key = secrets.token_urlsafe(50)
    setup_django(database_url, secret_key)
    from django.db import connection

    print(f"database: {connection.settings_dict['NAME']}  cpus: {os.cpu_count()}  load: {os.getloadavg()}")
    celery_dir = tempfile.mkdtemp(prefix="midi-bench-celery-")
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
        "CELERY_DATA_DIR": celery_dir,
        "LOG_LEVEL": "WARNING",
    }
    if os.environ.get("REDIS_URL"):  # production: cache, sessions and broker on Redis
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    cookie_name, session_key, store, user = employer_session()
    urls = booking_urls(user)
    headers = {"Cookie": f"{cookie_name}={session_key}", "Accept-Language": "fr-CA"}
    server = None
    try:
        if args.profile:
            profile(urls, cookie_name, session_key, args.profile)
        if args.cpu:
            cpu_ratio(urls, cookie_name, session_key, args.cpu)
        connection.close()
        with tempfile.NamedTemporaryFile(
            "w+", prefix="midi-bench-gunicorn-", suffix=".log", delete=False
        ) as log:
            server = start_gunicorn(args.port, args.workers, env, log)
            wait_until_up(args.port, server)
            status, body, cookies = fetch(args.port, urls[0], headers)
            if status != 200 or b"slot-group" not in body:
                raise RuntimeError(f"results page answered {status} without slots: is the session valid?")
            if "csrftoken" in cookies:  # kept, as a browser does
                headers["Cookie"] += f"; csrftoken={cookies['csrftoken'].value}"
            endpoints = {"/healthz (bare)": (["/healthz"], {}), "results page": (urls, headers)}
            print(
                f"gunicorn {args.workers} workers on 127.0.0.1:{args.port} (log {log.name}); "
                f"{args.connections} connections; {args.rounds} × {args.duration / args.rounds:g} s each; "
                f"{len(urls)} searches cycled"
            )
            collected = {label: ([], 0, 0, 0.0) for label in endpoints}
            for targets, extra in endpoints.values():
                hammer(args.port, targets, extra, args.connections, args.warmup)
            for _round in range(args.rounds):
                for label, (targets, extra) in endpoints.items():
                    lat, err, size, seconds = hammer(
                        args.port, targets, extra, args.connections, args.duration / args.rounds
                    )
                    done, errors, total, spent = collected[label]
                    collected[label] = (done + lat, errors + err, total + size, spent + seconds)
        results = {label: summarise(*data) for label, data in collected.items()}
        print(f"\n{'endpoint':16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'KB':>6}")
        for label, r in results.items():
            print(
                f"{label:16} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['errors']:7d} "
                f"{r['bytes'] / 1024:6.1f}"
            )
        ratio = results["results page"]["rps"] / results["/healthz (bare)"]["rps"]
        print(f"\nresults page ÷ bare view: {ratio:.3f} of the requests/s (target ≥ 0.25)")
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        store.delete()
        shutil.rmtree(celery_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
