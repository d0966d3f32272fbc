"""Celery beat that schedules only while it holds a lock in Redis: a second beat is a standby.

Two beats would send every periodic task twice (our tasks are idempotent sweeps over the
database, but twice the load and twice the log lines are still wrong). Deployments that restart
beat on another host, or run it on two for availability, need it to be safe:

- the beat that `SET NX PX`s the lock key schedules; it renews the lock before every tick (a
  compare-and-set script: only the token holder extends it) and never sleeps longer than a third
  of the lock's life, so a live holder never loses it;
- any other beat ticks every third of the lock's life, tries to take the lock and sends nothing;
  when the holder dies (SIGKILL, host lost) the lock expires and a standby takes over within
  `BEAT_LOCK_SECONDS`; a holder stopped cleanly releases it at once;
- the holder writes each entry's last run to Redis, and a beat taking over starts from those
  times, so an entry that has just run is not run again by the newcomer;
- Redis unreachable = not holding: the broker is the same Redis, so nothing could be sent anyway.

Only with Redis (settings.CELERY_BEAT_SCHEDULER). The embedded runtime runs a single beat
(Procfile.dev) and keeps Celery's PersistentScheduler.
"""

import logging
import os
import socket
import uuid
from contextlib import suppress
from datetime import UTC, datetime

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_KEY = "midi:beat:lock"
LAST_RUN_KEY = "midi:beat:last-run"

# KEYS[1] lock, ARGV[1] token, ARGV[2] ttl ms: extend the lock only if we still hold it.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# KEYS[1] lock, ARGV[1] token: drop the lock only if we hold it.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class LockedScheduler(PersistentScheduler):
    """PersistentScheduler + a Redis lock (see the module's docstring)."""

    def __init__(self, *args, **kwargs):
        # Nothing here may connect: beat also builds schedulers lazily, for introspection.
        self.lock_seconds = settings.BEAT_LOCK_SECONDS
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.holding = False
        self._redis = None
        super().__init__(*args, **kwargs)

    @property
    def redis(self) -> redis.Redis:
        if self._redis is None:
            timeout = max(1.0, self.lock_seconds / 6)
            self._redis = redis.Redis.from_url(
                self.app.conf.broker_url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
        return self._redis

    @property
    def renew_every(self) -> float:
        return self.lock_seconds / 3

    def tick(self, *args, **kwargs):
        if not self._hold_lock():
            return self.renew_every
        return min(super().tick(*args, **kwargs), self.renew_every)

    def _hold_lock(self) -> bool:
        ttl_ms = int(self.lock_seconds * 1000)
        try:
            if self.holding:
                if self.redis.eval(RENEW, 1, LOCK_KEY, self.token, ttl_ms):
                    return True
                logger.warning("beat: lost the schedule lock; standing by")
                self.holding = False
            if self.redis.set(LOCK_KEY, self.token, nx=True, px=ttl_ms):
                self.holding = True
                self._resume_from_last_runs()
                logger.info("beat: holding the schedule lock (%s); scheduling", self.token)
                return True
        except redis.RedisError as error:
            if self.holding:
                logger.warning("beat: Redis unreachable, schedule lock given up: %s", error)
            self.holding = False
        return False

    def _resume_from_last_runs(self) -> None:
        """Start from the last runs the previous holder recorded, where they are more recent."""
        recorded = self.redis.hgetall(LAST_RUN_KEY)
        for name, entry in self.schedule.items():
            stamp = recorded.get(name.encode())
            if stamp is None:
                continue
            last_run = datetime.fromtimestamp(float(stamp), tz=UTC)
            if entry.last_run_at is None or last_run > _aware(entry.last_run_at):
                entry.last_run_at = last_run
        self._heap = None  # rebuilt from the updated entries at the next tick

    def reserve(self, entry):
        new_entry = super().reserve(entry)
        # An unreachable Redis is reported by the lock renewal at the next tick.
        with suppress(redis.RedisError):
            self.redis.hset(LAST_RUN_KEY, entry.name, _aware(new_entry.last_run_at).timestamp())
        return new_entry

    def close(self):
        if self.holding:
            try:
                self.redis.eval(RELEASE, 1, LOCK_KEY, self.token)
                logger.info("beat: schedule lock released")
            except redis.RedisError:
                pass  # it expires by itself
            self.holding = False
        super().close()

    @property
    def info(self):
        return f"{super().info}\n    . lock -> redis {LOCK_KEY} ({self.lock_seconds} s)"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
