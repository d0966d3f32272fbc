"""A task goes through a real worker process and its result comes back, on both brokers."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))

pytestmark = pytest.mark.slow

# The project package first: it creates the Celery app the task is sent with (as `-A midi_regions`).
SEND = (
    "import midi_regions;from core.tasks import echo;"
    "result = echo.delay('bonjour');print(result.get(timeout=60)['value'])"
)


def round_trip(env: dict) -> str:
    env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
        "SECRET_KEY": "x",
        "DEBUG": "0",
    }
    worker = subprocess.Popen(
        [
            CELERY,
            "-A",
            "midi_regions",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"roundtrip-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", SEND],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started < 60
        return result.stdout.strip().splitlines()[-1]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def test_round_trip_on_the_embedded_broker(tmp_path):
    env = {**os.environ, "CELERY_DATA_DIR": str(tmp_path / "celery")}
    env.pop("REDIS_URL", None)
    assert round_trip(env) == "bonjour"


@pytest.mark.redis
def test_round_trip_on_redis(settings):
    env = {**os.environ, "REDIS_URL": settings.REDIS_URL}
    assert round_trip(env) == "bonjour"
