"""Many companies booking the same slot at the same instant, through gunicorn, on PostgreSQL.

Usage (creates the database if it does not exist; keeps it for the next run):

    .venv/bin/python bench/booking_race.py [--database midi_h18c_bench_race] [--port 8765] \
        [--attempts 200] [--rounds 3] [--workers 4] [--variants baseline,fast,floor] \
        [--redis redis://127.0.0.1:6379/13]

What it does:
1. creates the database (`--database`, on the server of `--server`, default the local one) if
   absent, migrates it and seeds it as the other benches do (`seed_network --demo-users`), then
   `collectstatic`;
2. makes `--attempts` employers, each of their own company, in the demo employer's municipality
   (made once, kept), and gives each a fresh personal API token (revoked at the end);
3. picks the first offered slot (first topic, meeting at a service point) from the slot search;
4. for each round and each variant (interleaved, so a noisy machine slows all alike): starts
   `gunicorn midi_regions.wsgi:application -c gunicorn.conf.py -w 4` on `--port` with DEBUG=0
   and a throwaway SECRET_KEY (production settings; `--max-requests 0`, so no worker recycles
   mid-round), where the variant sets BOOKING_FAST_REFUSAL (`baseline`: 0, the code path of
   7768b6a; `fast`: 1; `floor`: the same crowd POSTing an empty body, refused 400 by the
   serializer: what the stack costs without the booking service); marks the tokens as used
   recently (a steady integration's token; otherwise each first call writes `last_used_at`);
   warms every worker up; opens one connection per attempt, releases all the threads at once
   (a barrier) and each POSTs `/api/v1/appointments/` for that slot with its own Bearer
   token; counts winners (201) and refusals by status; checks in the database
   that exactly one appointment holds the slot; deletes the round's appointments (bench
   companies only) so the next round starts from the same calendar; stops gunicorn;
5. prints per round and per variant: winners, refusal statuses, round time (release → last
   answer), p50 / p95 / max latency of the refusals and the winner's latency as the client saw
   them (from sending to the answer, the wait for a free worker included), and the same as the
   app timed them (its access log line per request: inside Django, once a worker took it).

The API throttles would refuse this crowd (one address, 60 bookings an hour): the bench sets
RATE_LIMIT_BOOKING_USER and API_RATE_LIMIT_USER high and gives every attempt its own address in
X-Forwarded-For with FORWARDED_ALLOW_IPS=127.0.0.1 (the production proxy set-up), so the
throttles count what they count in production: one company from one address.
Loopback only; every wait is bounded (socket timeouts, thread joins, start-up deadline).
"""

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from common import free_port, percentile, setup_django

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_DATABASE = "midi_h18c_bench_race"
BENCH_DOMAIN = "race.bench.example"
# BOOKING_FAST_REFUSAL per variant; `floor` sends an empty body (400 from the serializer): the same
# crowd through the same stack (token, throttles, parser) without a booking, what any refusal costs.
VARIANTS = {"baseline": "0", "fast": "1", "floor": "1"}
REQUEST_TIMEOUT = 120  # seconds: far above the slowest round seen (24 s), a bound on every wait


def create_database(server: str, name: str) -> bool:
    """CREATE DATABASE `name` unless it exists; True if created."""
    import psycopg

    if not name.replace("_", "").isalnum():
        sys.exit(f"database name {name!r}: letters, digits and _ only")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def seed() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_network", "--demo-users", verbosity=0)


def employers(count: int, municipality):
    """`count` bench employers, each of their own company (made once, kept): a list of users."""
    from allauth.account.models import EmailAddress

    from accounts.models import Company, EmployerProfile, User

    emails = [f"race{n:04d}@{BENCH_DOMAIN}" for n in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    for n, email in enumerate(emails):
        if email in existing:
            continue
        user = User.objects.create(email=email, first_name="Course", last_name=f"{n:04d}", password="!")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        company = Company.objects.create(
            legal_name=f"Banc d'essai {n:04d} inc.",
            neq=f"{1190000000 + n}",
            sector=Company.Sector.MANUFACTURING,
            size=Company.Size.SMALL,
            street_address="1, rue du Banc",
            postal_code="G9A 1A1",
            municipality=municipality,
        )
        EmployerProfile.objects.create(user=user, company=company)
    return list(User.objects.filter(email__in=emails).order_by("email"))


def bench_tokens(users) -> list[str]:
    """A fresh API token per user (earlier bench tokens revoked first)."""
    from accounts.models import ApiToken
    from accounts.tokens import create_token

    ApiToken.objects.filter(user__in=users, revoked_at__isnull=True).update(revoked_at=time_now())
    return [create_token(user=user, name="booking race")[1] for user in users]


def tokens_in_use(users) -> None:
    """Mark the bench tokens used just now, as an integration's token is: otherwise the first
    call of each writes `last_used_at` (accounts.tokens.TOUCH_INTERVAL), a commit per attempt
    that no steady client pays."""
    from accounts.models import ApiToken

    ApiToken.objects.filter(user__in=users, revoked_at__isnull=True).update(last_used_at=time_now())


def time_now():
    from django.utils import timezone

    return timezone.now()


def pick_slot(municipality):
    """The first slot the search offers for the first topic, at a service point."""
    from appointments import selectors
    from appointments.models import Mode, Topic

    for topic in Topic.objects.filter(is_active=True).order_by("position", "code"):
        search = selectors.available_slots(topic=topic, mode=Mode.SERVICE_POINT, location=municipality)
        for group in search.groups:
            for _day, slots in group.days:
                if slots:
                    return topic, slots[0]
    sys.exit("the slot search offers no slot: is the network seeded?")


def booking_body(topic, slot, municipality) -> bytes:
    from django.utils import timezone

    from core.business_hours import local_zone

    return json.dumps(
        {
            "topic": topic.code,
            "mode": "service_point",
            "municipality": int(municipality.code),
            "advisor": slot.advisor_id,
            "service_point": slot.service_point_id,
            "starts_at": timezone.localtime(slot.start, local_zone()).isoformat(),
        }
    ).encode()


def start_gunicorn(port: int, workers: int, env: dict, log) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "midi_regions.wsgi:application"]
    command += ["-c", "gunicorn.conf.py", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += ["--max-requests", "0"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_gunicorn(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def get(port: int, path: str, headers: dict | None = None, timeout: float = 5) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up (see its log)")
        try:
            if get(port, "/livez", timeout=2) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout} s")


def warm_up(port: int, workers: int, token: str) -> None:
    """A few authenticated API reads per worker: imports, connections and caches ready."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    for _ in range(workers * 4):
        get(port, "/api/v1/appointments/", headers, timeout=30)


def race(port: int, body: bytes, tokens: list[str], addresses: list[str]) -> dict:
    """All attempts released at once; returns statuses, latencies (s) and the round time."""
    count = len(tokens)
    results: list[tuple[int, float] | None] = [None] * count
    release = {}

    def released():
        release["at"] = time.perf_counter()

    barrier = threading.Barrier(count, action=released)

    def attempt(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        headers = {
            "Authorization": f"Bearer {tokens[i]}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "fr-CA",
            "X-Forwarded-For": addresses[i],
        }
        try:
            conn.connect()  # the handshake before the start: the race is the requests, not the sockets
            barrier.wait(timeout=60)
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/appointments/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            results[i] = (response.status, time.perf_counter() - t0, time.perf_counter())
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            results[i] = (f"error {type(error).__name__}", float("nan"), time.perf_counter())
        finally:
            conn.close()

    threads = [threading.Thread(target=attempt, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 60)
    done = [r for r in results if r is not None]
    start = release.get("at", min((r[2] for r in done), default=0.0))
    statuses = Counter(r[0] for r in done)
    statuses["no answer"] += count - len(done)
    return {
        "statuses": +statuses,
        "won": [r[1] for r in done if r[0] == 201],
        "refused": [r[1] for r in done if r[0] != 201],
        "seconds": max((r[2] for r in done), default=start) - start,
    }


def server_times(log_path: str) -> dict[int, list[float]]:
    """The app's own time per booking POST (core.logs access lines, in s), by status:
    what the request cost once a worker took it, without the wait for a free worker."""
    found: dict[int, list[float]] = {}
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for text in log:
            if '"midi_regions.access"' not in text or '"POST"' not in text:
                continue
            try:
                line = json.loads(text)
            except ValueError:
                continue
            if line.get("view") == "api:appointment-list":
                found.setdefault(line["status"], []).append(line["duration_ms"] / 1000)
    return found


def booked_and_cleared(users, slot) -> int:
    """How many active appointments hold the slot's time; then the round's bookings are deleted."""
    from appointments.models import Appointment

    holding = Appointment.objects.filter(
        advisor_id=slot.advisor_id,
        status__in=Appointment.ACTIVE_STATUSES,
        starts_at__lt=slot.end,
        ends_at__gt=slot.start,
    ).count()
    Appointment.objects.filter(company__representatives__user__in=users).delete()
    return holding


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created if absent, kept")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL, without a database")
    parser.add_argument("--port", type=int, default=None, help="gunicorn's port (default: a free one)")
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--variants", default="baseline,fast,floor", help="some of baseline, fast, floor")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", ""), help="REDIS_URL for gunicorn")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not (2 <= args.attempts <= 500 and 1 <= args.rounds <= 20 and 1 <= args.workers <= 16):
        sys.exit("attempts 2–500, rounds 1–20, workers 1–16")
    if not variants or any(v not in VARIANTS for v in variants):
        sys.exit(f"variants: some of {', '.join(VARIANTS)}")
    if args.port is not None and not 1024 <= args.port <= 65535:
        sys.exit("port 1024–65535")

    created = create_database(args.server, args.database)
    database_url = f"{args.server}/{args.database}"
    secret_key = secrets.token_urlsafe(50)
    setup_django(database_url, secret_key)
    print(f"database {args.database} ({'created' if created else 'reused'}); seeding…", flush=True)
    seed()
    from django.db import connection

    from accounts.models import ApiToken, User
    from midi_regions.seeding import DEMO_EMPLOYER_EMAIL

    celery_dir = tempfile.mkdtemp(prefix="midi-bench-race-")
    base_env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
        "CELERY_DATA_DIR": celery_dir,
        "LOG_LEVEL": "INFO",  # the app's access line per request: the time spent in Django
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "RATE_LIMIT_BOOKING_USER": "100000/h",
        "API_RATE_LIMIT_USER": "100000/min",
    }
    if args.redis:
        base_env["REDIS_URL"] = args.redis
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=base_env, check=True
    )
    municipality = User.objects.get(email=DEMO_EMPLOYER_EMAIL).employer_profile.company.municipality
    users = employers(args.attempts, municipality)
    tokens = bench_tokens(users)
    topic, slot = pick_slot(municipality)
    body = booking_body(topic, slot, municipality)
    port = args.port or free_port()
    connection.close()
    print(
        f"{args.attempts} companies racing for {topic.code} with adviser {slot.advisor_id} at "
        f"{slot.start.isoformat()}; gunicorn {args.workers} workers on 127.0.0.1:{port}; "
        f"cpus {os.cpu_count()}; cache {'Redis' if args.redis else 'per process'}",
        flush=True,
    )
    collected = {v: [] for v in variants}
    logs = tempfile.mkdtemp(prefix="midi-bench-race-logs-")
    server = None
    try:
        for n in range(args.rounds):
            for variant in variants:
                env = {**base_env, "BOOKING_FAST_REFUSAL": VARIANTS[variant]}
                tokens_in_use(users)
                log_path = os.path.join(logs, f"round{n + 1}-{variant}.log")
                with open(log_path, "w") as log:
                    server = start_gunicorn(port, args.workers, env, log)
                    wait_until_up(port, server)
                    warm_up(port, args.workers, tokens[0])
                    # One address per attempt, another block every round (the per-IP limit is hourly).
                    block = random.randrange(1, 255)
                    addresses = [f"10.{block}.{i // 250}.{i % 250 + 1}" for i in range(args.attempts)]
                    result = race(port, b"{}" if variant == "floor" else body, tokens, addresses)
                    stop_gunicorn(server)
                    server = None
                result["holding"] = booked_and_cleared(users, slot)
                result["server"] = server_times(log_path)
                collected[variant].append(result)
                print(f"round {n + 1} {variant:8} {line(result)}", flush=True)
    finally:
        stop_gunicorn(server)
        ApiToken.objects.filter(user__in=users, revoked_at__isnull=True).update(revoked_at=time_now())
        shutil.rmtree(celery_dir, ignore_errors=True)
    print(f"\ngunicorn logs: {logs}")
    print(
        f"\nseconds; client: from sending to the answer; app: inside Django once a worker took it\n"
        f"{'variant':8} {'round':>5} {'won':>3} {'in db':>5} {'round':>6} {'refused p50':>11} {'p95':>6} "
        f"{'max':>6} {'winner':>6} {'app refused p50':>15} {'p95':>6} {'max':>6} {'winner':>6}  refusals"
    )
    for variant, rounds in collected.items():
        for n, r in enumerate(rounds, 1):
            print(f"{variant:8} {n:5} {table_row(r)}")


def line(r: dict) -> str:
    refused = r["refused"]
    winners = ", ".join(f"{w:.3f} s" for w in r["won"])
    statuses = ", ".join(f"{k}×{v}" for k, v in sorted(r["statuses"].items(), key=str))
    return (
        f"winners {len(r['won'])}, in the database {r['holding']}, round {r['seconds']:.2f} s, "
        f"refused p50 {percentile(refused, 50):.3f} s p95 {percentile(refused, 95):.3f} s "
        f"max {max(refused, default=float('nan')):.3f} s, winner {winners}; "
        f"{statuses}"
    )


def table_row(r: dict) -> str:
    refused = [x for x in r["refused"] if x == x]
    statuses = ", ".join(f"{k}×{v}" for k, v in sorted(r["statuses"].items(), key=str) if k != 201)
    winner = r["won"][0] if len(r["won"]) == 1 else float("nan")
    app_refused = [x for status, times in r["server"].items() if status != 201 for x in times]
    app_winner = r["server"].get(201, [float("nan")])[0]
    return (
        f"{len(r['won']):3} {r['holding']:5} {r['seconds']:6.2f} {percentile(refused, 50):11.3f} "
        f"{percentile(refused, 95):6.3f} {max(refused, default=float('nan')):6.3f} {winner:6.3f} "
        f"{percentile(app_refused, 50):15.3f} {percentile(app_refused, 95):6.3f} "
        f"{max(app_refused, default=float('nan')):6.3f} {app_winner:6.3f}  {statuses}"
    )


if __name__ == "__main__":
    main()
