"""The project's Celery app with a one-second test schedule, for tests/test_beat_lock.py:
`celery -A tests.beat_app beat` runs the project's beat (scheduler, lock) on this schedule only."""

import os

from midi_regions.celery import app

QUEUE = os.environ.get("BEAT_TEST_QUEUE", "beat-lock-test")

app.conf.beat_schedule = {
    "ping": {"task": "midi_regions.echo", "schedule": 1.0, "args": ["beat"], "options": {"queue": QUEUE}},
}
