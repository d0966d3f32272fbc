"""A worker SIGKILLed in the middle of sending reminders: after another worker takes over, every
reminder reached a real SMTP server exactly once (PostgreSQL, Redis, real worker processes)."""

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from appointments.models import Reminder
from midi_regions.celery import app
from tests import factories
from tests.booking_helpers import due_reminders

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))
REMINDERS = 1000
LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


class CountingSink:
    def __init__(self):
        self.received = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        reminder = email.message_from_bytes(envelope.content)["X-Reminder"]
        with self.lock:
            self.received[reminder] += 1
        return "250 Message accepted"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_worker(env: dict, queue: str, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CELERY, "-A", "midi_regions", "worker", "--pool", "solo", "-Q", queue]
        + ["-n", f"{name}-{os.getpid()}@%h"]
        + ["--loglevel", os.environ.get("WORKER_LOGLEVEL", "WARNING")]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=None if os.environ.get("WORKER_LOGLEVEL") else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_worker_killed_mid_run_neither_loses_nor_duplicates_a_reminder(settings):
    network = factories.small_network()
    employer = factories.EmployerProfileFactory(company__municipality=network.municipality_a).user
    expected = {str(r.pk) for r in due_reminders(network, employer, REMINDERS)}
    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
        "SECRET_KEY": "x",
        "DEBUG": "0",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
    }
    queue = f"reminders-exactly-once-{os.getpid()}"
    drain = {"budget_seconds": 40, "batch_size": 50, "lease_seconds": LEASE_SECONDS}
    workers = []
    try:
        workers.append(start_worker(env, queue, "first"))
        app.send_task("appointments.send_due_reminders", kwargs=drain, queue=queue)
        assert wait_for(lambda: sink.total() >= REMINDERS // 4, timeout=30), "the first worker sent nothing"
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        delivered_by_first = sink.total()
        assert delivered_by_first < REMINDERS, "killed too late to prove anything"

        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's claims run out
        workers.append(start_worker(env, queue, "second"))
        app.send_task("appointments.send_due_reminders", kwargs=drain, queue=queue)
        assert wait_for(
            lambda: not Reminder.objects.filter(status=Reminder.Status.PENDING).exists(), timeout=40
        ), "reminders still pending"
        wait_for(lambda: sink.total() >= REMINDERS, timeout=2)
        time.sleep(0.5)  # let any straggler (a duplicate, if there were one) arrive
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
        controller.stop()

    duplicates = {reminder: n for reminder, n in sink.received.items() if n > 1}
    assert duplicates == {}
    assert set(sink.received) == expected  # none missing, nothing else
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == REMINDERS
