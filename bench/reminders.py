"""Reminder delivery throughput: N due reminders, 2 Celery workers, a local SMTP sink.

Usage (its own database; Redis at 127.0.0.1:6379, db 5 by default so nothing else collides):

    createdb -h 127.0.0.1 -U postgres midi_reminders_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_reminders_bench \
        .venv/bin/python bench/reminders.py [--reminders 100000] [--workers 2] \
        [--redis redis://127.0.0.1:6379/5] [--connections 16] [--concurrency 1] [--port 2525]

What it does: migrates; flushes the database (its own, see above); creates a small network and N
appointments (one an hour from tomorrow) each with one reminder due a minute ago; starts an
aiosmtpd sink in a subprocess on `--port` (default: a free loopback port) that counts messages by
their X-Reminder header (a regex on the raw header section: a real SMTP server, but no MIME
parsing); starts `--workers` Celery worker processes (solo pool, or prefork with `--concurrency`
processes each) on a dedicated queue, each keeping `--connections` SMTP sessions
(REMINDER_SMTP_CONNECTIONS); sends one `appointments.send_due_reminders` drain task per worker
process; waits until no reminder is pending; prints time, sent (database), received (sink),
duplicates, misses and the sink's CPU time. Workers and sink are stopped in all cases (finally).
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))

SINK = """
import json, re, resource, signal, sys
from collections import Counter
from aiosmtpd.controller import Controller
# Counted by reminder id from the raw header section: no MIME parsing, the sink stays cheap.
X_REMINDER = re.compile(rb"^X-Reminder:[ \\t]*(\\S+)", re.MULTILINE | re.IGNORECASE)
received = Counter()
class Handler:
    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        end = content.find(b"\\r\\n\\r\\n")
        match = X_REMINDER.search(content, 0, len(content) if end < 0 else end)
        received[match.group(1).decode() if match else "?"] += 1
        return "250 OK"
controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
def dump(*_):
    controller.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(sys.argv[2], "w") as f:
        json.dump({"received": received, "cpu": usage.ru_utime + usage.ru_stime}, f)
    sys.exit(0)
signal.signal(signal.SIGTERM, dump)
print("ready", flush=True)
while True:
    signal.pause()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(count: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from appointments.models import Appointment, Mode, Reminder
    from tests import factories

    call_command("flush", "--noinput", verbosity=0)  # the bench database holds only bench rows
    network = factories.small_network()
    employer = factories.EmployerProfileFactory(company__municipality=network.municipality_a)
    now = timezone.now()
    start = now + timedelta(days=1)
    appointments = Appointment.objects.bulk_create(
        (
            Appointment(
                advisor=network.advisor_a,
                topic=network.topic,
                mode=Mode.PHONE,
                company=employer.company,
                booked_by=employer.user,
                municipality=network.municipality_a,
                starts_at=start + timedelta(hours=i),
                ends_at=start + timedelta(hours=i, minutes=60),
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    due = now - timedelta(minutes=1)
    Reminder.objects.bulk_create(
        (Reminder(appointment=a, kind=24 * 60, scheduled_at=due) for a in appointments), batch_size=5000
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--connections", type=int, default=None, help="REMINDER_SMTP_CONNECTIONS")
    parser.add_argument("--concurrency", type=int, default=1, help="prefork processes a worker (1: solo)")
    parser.add_argument("--port", type=int, default=None, help="the SMTP sink's port (default: a free one)")
    args = parser.parse_args()
    if args.port is not None and not 1024 <= args.port <= 65535:
        sys.exit("port 1024–65535")

    os.environ.update(
        DJANGO_SETTINGS_MODULE="midi_regions.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
        DEBUG="0",
        REDIS_URL=args.redis,
    )
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/midi_reminders_bench")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from appointments.models import Reminder
    from midi_regions.celery import app

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    load(args.reminders)
    print(f"loaded {args.reminders} due reminders in {time.monotonic() - started:.1f} s", flush=True)

    port = args.port or free_port()
    counts_file = Path(tempfile.mkdtemp()) / "received.json"
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port), str(counts_file)], stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout.readline().strip() == "ready"
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    if args.connections:
        env["REMINDER_SMTP_CONNECTIONS"] = str(args.connections)
    pool = ["--pool", "solo"] if args.concurrency == 1 else ["--pool", "prefork", "-c", str(args.concurrency)]
    queue = f"reminders-bench-{os.getpid()}"
    workers = []
    try:
        for n in range(args.workers):
            workers.append(
                subprocess.Popen(
                    [CELERY, "-A", "midi_regions", "worker", *pool, "-Q", queue]
                    + ["-n", f"bench{n}-{os.getpid()}@%h", "--loglevel", "WARNING"]
                    + ["--without-heartbeat", "--without-gossip", "--without-mingle"],
                    cwd=ROOT,
                    env=env,
                    start_new_session=True,
                )
            )
        time.sleep(3)  # let both workers connect, so each takes one drain task
        started = time.monotonic()
        for _ in range(len(workers) * args.concurrency):
            app.send_task(
                "appointments.send_due_reminders",
                kwargs={"budget_seconds": args.timeout, "batch_size": 200},
                queue=queue,
            )
        pending = Reminder.objects.filter(status=Reminder.Status.PENDING)
        while pending.exists() and time.monotonic() - started < args.timeout:
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        time.sleep(0.5)
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=30)

    sink_report = json.loads(counts_file.read_text())
    received = sink_report["received"]
    sent_ids = {str(pk) for pk in Reminder.objects.filter(status="sent").values_list("pk", flat=True)}
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    misses = len(sent_ids - set(received))
    from django.conf import settings

    pool = "solo pool" if args.concurrency == 1 else f"prefork pool, {args.concurrency} processes each"
    connections = args.connections or settings.REMINDER_SMTP_CONNECTIONS
    print(f"workers           {args.workers} ({pool}), batch 200, {connections} SMTP connections each")
    print(f"time              {elapsed:.1f} s  ({len(sent_ids) / elapsed:.0f} sent/s)")
    print(f"sent (database)   {len(sent_ids)}")
    print(f"received (sink)   {sum(received.values())} messages, {len(received)} distinct reminders")
    print(f"duplicates        {duplicates}")
    print(f"misses            {misses}  (marked sent, never received)")
    print(f"sink CPU          {sink_report['cpu']:.1f} s")
    print(f"still pending     {Reminder.objects.filter(status='pending').count()}")


if __name__ == "__main__":
    main()
