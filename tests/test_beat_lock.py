"""Two beats, one schedule: the second beat stands by, and takes over when the first dies
(real `celery beat` processes, a private Redis, a task every second)."""

import json
import os
import signal
import time
from collections import Counter

import pytest

from tests.processes import PrivateRedis, app_env, start_beat, stop, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.slow]

LOCK_SECONDS = 3
QUEUE = "beat-lock-test"
WINDOW = 6  # seconds both beats run side by side


def sent_by(broker: PrivateRedis) -> list[int]:
    """The pid of the beat that sent each queued message (Celery's `origin` header: gen<pid>@host)."""
    pids = []
    for raw in broker.client.lrange(QUEUE, 0, -1):
        origin = json.loads(raw)["headers"]["origin"]
        pids.append(int(origin.split("@")[0].removeprefix("gen")))
    return pids


def test_a_second_beat_never_schedules_twice_and_takes_over_when_the_first_dies(tmp_path):
    broker = PrivateRedis()
    env = app_env(REDIS_URL=broker.url, BEAT_LOCK_SECONDS=str(LOCK_SECONDS), BEAT_TEST_QUEUE=QUEUE)
    first = second = None
    try:
        broker.start()
        first = start_beat(env, "tests.beat_app", tmp_path / "first")

        def lock_holder() -> int | None:
            token = broker.client.get("midi:beat:lock")
            return int(token.decode().split(":")[1]) if token else None

        assert wait_for(lambda: lock_holder() == first.pid, timeout=20), "the first beat took no lock"
        second = start_beat(env, "tests.beat_app", tmp_path / "second")
        time.sleep(2)  # the second beat is up and standing by
        assert second.poll() is None and lock_holder() == first.pid

        broker.client.delete(QUEUE)
        time.sleep(WINDOW)
        both_running = Counter(sent_by(broker))
        assert set(both_running) == {first.pid}, both_running
        assert WINDOW - 1 <= both_running[first.pid] <= WINDOW + 1  # once a second, not twice

        os.killpg(first.pid, signal.SIGKILL)  # no clean shutdown: the lock must expire
        first.wait(timeout=10)
        killed_at = time.monotonic()
        broker.client.delete(QUEUE)
        assert wait_for(lambda: second.pid in sent_by(broker), timeout=LOCK_SECONDS * 3)
        takeover = time.monotonic() - killed_at
        assert takeover <= LOCK_SECONDS + LOCK_SECONDS / 3 + 1.5, takeover
        assert lock_holder() == second.pid

        broker.client.delete(QUEUE)
        time.sleep(3)
        after = Counter(sent_by(broker))
        assert set(after) == {second.pid} and 2 <= after[second.pid] <= 4, after

        # A clean stop releases the lock at once.
        stop(second)
        assert broker.client.get("midi:beat:lock") is None
    finally:
        stop(first)
        stop(second)
        broker.kill()
