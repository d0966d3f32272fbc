"""Tasks are queued after commit, never for a transaction that rolled back."""

import pytest
from django.db import transaction

from midi_regions.queue import enqueue
from midi_regions.tasks import echo

pytestmark = pytest.mark.django_db


class RecordingTask:
    def __init__(self):
        self.sent = []

    def apply_async(self, args, kwargs):
        self.sent.append((args, kwargs))


def test_it_sends_after_commit(django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(task, 1, kind="x")
        assert task.sent == []
    assert task.sent == [((1,), {"kind": "x"})]


def test_it_sends_nothing_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue(task, 1)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == [] and task.sent == []


def test_the_echo_task_runs_eagerly():
    assert echo.apply(args=["salut"]).get()["value"] == "salut"
