"""Booking page throughput against a bare view, on gunicorn, over loopback.

Usage (the 1× bench database loaded as in bench/README.md, with `seed_network --demo-users`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench .venv/bin/python bench/booking_throughput.py \
        [--connections 8] [--duration 10] [--warmup 2] [--rounds 5] [--workers 4] [--port 8765]

What it does:
1. runs `manage.py collectstatic --noinput` (DEBUG=0 serves the manifest from ./staticfiles);
2. signs the demo employer (employeur@entreprise.example) in by writing a session row with
   Django's SessionStore, exactly what `django.contrib.auth.login` stores;
3. starts `gunicorn midi_regions.wsgi:application -w 4 -b 127.0.0.1:<port>` (`--port`, default a
   free one) with DEBUG=0, a throwaway SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS=127.0.0.1,
   CONN_MAX_AGE=60 (the production value in .env.example) and `--max-requests 0` (the project's
   gunicorn.conf.py, which gunicorn reads from the working directory, recycles workers every
   ~2000 requests: a worker booting mid-measurement would only add noise);
4. for each endpoint, keeps `--connections` concurrent client threads (http.client, one request
   at a time each, a closed loop) busy for `--warmup` seconds, then `--duration` seconds measured
   in `--rounds` slices interleaved with the other endpoints (a shared VM that slows down moves
   every endpoint alike): requests/s = requests finished / time until the last one finished,
   p50 / p95 / p99 latency;
   (a) the booking form (`appointments:book`, step 1, logged in) and the booking results page
   (`appointments:slots`, step 2, logged in), cycling through the 6 topics ×
   4 modes from the company's municipality, (b) /livez, the bare view (no database, no cache),
   (c) /readyz for reference (database + migrations + broker + cache round trips), (d) the employer's home
   page ("my space", logged in: session, user, role and one query, base template) as the
   lightest page that carries the same per-request cost of a signed-in employer;
5. prints them side by side with the ratio booking / bare (target ≥ 50 %);
6. stops gunicorn and deletes the session, always (finally).
Loopback only; every loop is bounded by a deadline and a request cap.
"""

import argparse
import http.client
import http.cookies
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from common import free_port, percentile, setup_django

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/midi_bench"
MAX_REQUESTS_PER_CONNECTION = 200_000  # a bound on the loops, far above what 10 s can do


def employer_session():
    """A logged-in session for the demo employer: (cookie name, session key, store)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from midi_regions.seeding import DEMO_EMPLOYER_EMAIL

    user = User.objects.filter(email=DEMO_EMPLOYER_EMAIL).select_related("employer_profile__company").first()
    if user is None:
        sys.exit(f"No {DEMO_EMPLOYER_EMAIL}: run `manage.py seed_network --demo-users` on this database.")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return settings.SESSION_COOKIE_NAME, store.session_key, store, user


def booking_urls(user) -> list[str]:
    """The results page for every topic × mode, from the employer company's municipality."""
    from django.urls import reverse
    from django.utils import translation

    from appointments.models import Mode, Topic
    from service_points.forms import MunicipalityField

    place = MunicipalityField.label_for(user.employer_profile.company.municipality)
    with translation.override("fr-ca"):
        path = reverse("appointments:slots")
    return [
        f"{path}?{urlencode({'topic': t.code, 'mode': m, 'municipality': place})}"
        for t in Topic.objects.filter(is_active=True).order_by("position", "code")
        for m in Mode.values
    ]


def page_url(name: str) -> str:
    from django.urls import reverse
    from django.utils import translation

    with translation.override("fr-ca"):
        return reverse(name)


def start_gunicorn(port: int, workers: int, env: dict, log) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "midi_regions.wsgi:application",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--max-requests",
        "0",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up (see its log)")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/livez")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout} s")


def fetch(port: int, url: str, headers: dict) -> tuple[int, bytes, http.cookies.SimpleCookie]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        cookies = http.cookies.SimpleCookie()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        return response.status, response.read(), cookies
    finally:
        conn.close()


def hammer(port: int, urls: list[str], headers: dict, connections: int, duration: float):
    """`connections` threads, one request at a time each, starting requests for `duration` s.

    Every request started before the deadline is finished and counted; the time counted is from
    the start until the last one finished (closed loop: n requests in t seconds). Returns
    (latencies in ms, errors, bytes received, seconds).
    """
    started = time.monotonic()
    deadline = started + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    sizes = [0] * connections

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = i
        for _ in range(MAX_REQUESTS_PER_CONNECTION):
            if time.monotonic() >= deadline:
                break
            url = urls[n % len(urls)]
            n += connections
            t0 = time.perf_counter()
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                ok, body = False, b""
            if ok:
                latencies[i].append((time.perf_counter() - t0) * 1000)
                sizes[i] += len(body)
            else:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 60)
    seconds = time.monotonic() - started
    return [x for per in latencies for x in per], sum(errors), sum(sizes), seconds


def summarise(latencies: list[float], errors: int, size: int, seconds: float) -> dict:
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "p50": percentile(latencies, 50) if latencies else float("nan"),
        "p95": percentile(latencies, 95) if latencies else float("nan"),
        "p99": percentile(latencies, 99) if latencies else float("nan"),
        "bytes": size / max(len(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per endpoint")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE for gunicorn")
    parser.add_argument("--port", type=int, default=None, help="gunicorn's port (default: a free one)")
    args = parser.parse_args()
    if not (
        1 <= args.connections <= 64
        and 0 < args.duration <= 120
        and 0 <= args.warmup <= 30
        and 1 <= args.rounds <= 20
    ):
        sys.exit("connections 1–64, duration ≤ 120 s, warmup ≤ 30 s, rounds 1–20")
    if args.port is not None and not 1024 <= args.port <= 65535:
        sys.exit("port 1024–65535")

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    secret_key = secrets.token_urlsafe(50)
    setup_django(database_url, secret_key)
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}  cpus: {os.cpu_count()}")
    celery_dir = tempfile.mkdtemp(prefix="midi-bench-celery-")
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": str(args.conn_max_age),
        "CELERY_DATA_DIR": celery_dir,  # /readyz probes the embedded broker's folder
        "LOG_LEVEL": "WARNING",
    }
    if os.environ.get("REDIS_URL"):  # the production set-up: cache, sessions and broker on Redis
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )

    cookie_name, session_key, store, user = employer_session()
    urls = booking_urls(user)
    headers = {"Cookie": f"{cookie_name}={session_key}", "Accept-Language": "fr-CA"}
    port = args.port or free_port()
    with tempfile.NamedTemporaryFile("w+", prefix="midi-bench-gunicorn-", suffix=".log", delete=False) as log:
        server = None
        try:
            server = start_gunicorn(port, args.workers, env, log)
            wait_until_up(port, server)
            status, body, cookies = fetch(port, urls[0], headers)
            if status != 200 or b"slot-group" not in body:
                raise RuntimeError(f"booking page answered {status} without slots: is the session valid?")
            # Keep the CSRF cookie the first page set, as a browser does on every later request.
            if "csrftoken" in cookies:
                headers["Cookie"] += f"; csrftoken={cookies['csrftoken'].value}"
            print(
                f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port} (log {log.name}); "
                f"{args.connections} connections, {args.warmup:g} s warm-up, then {args.duration:g} s "
                f"per endpoint in {args.rounds} interleaved slices"
            )
            print(f"booking page: {len(urls)} searches cycled, e.g. {urls[0]}")
            endpoints = {
                "booking form": ([page_url("appointments:book")], headers),
                "booking results": (urls, headers),
                "/livez (bare)": (["/livez"], {}),
                "/readyz": (["/readyz"], {}),
                "employer home": ([page_url("accounts:home")], headers),
            }
            collected = {label: ([], 0, 0, 0.0) for label in endpoints}
            for targets, extra in endpoints.values():
                hammer(port, targets, extra, args.connections, args.warmup)
            slice_seconds = args.duration / args.rounds
            for _round in range(args.rounds):
                for label, (targets, extra) in endpoints.items():
                    lat, err, size, seconds = hammer(port, targets, extra, args.connections, slice_seconds)
                    done, errors, total, spent = collected[label]
                    collected[label] = (done + lat, errors + err, total + size, spent + seconds)
            results = {label: summarise(*data) for label, data in collected.items()}
            print()
            print(
                f"{'endpoint':16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
                f"{'p99 ms':>8} {'errors':>7} {'KB':>6}"
            )
            for label, r in results.items():
                print(
                    f"{label:16} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} "
                    f"{r['errors']:7d} {r['bytes'] / 1024:6.1f}"
                )
            print()
            bare = results["/livez (bare)"]["rps"]
            for label in ("booking form", "booking results"):
                ratio = results[label]["rps"] / bare
                print(f"{label} / bare view: {ratio:.1%} of the requests/s (target ≥ 50 %)")
            share = results["booking results"]["rps"] / results["employer home"]["rps"]
            print(f"booking results / employer home: {share:.1%}")
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
