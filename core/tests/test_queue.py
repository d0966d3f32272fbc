"""Tasks are queued after commit, never for a transaction that rolled back."""

import pytest
from django.db import transaction

from core import queue
from core.queue import enqueue
from core.tasks import echo

pytestmark = pytest.mark.django_db


class RecordingTask:
    name = "tests.recorded"

    def __init__(self):
        self.sent = []

    def apply_async(self, args, kwargs):
        self.sent.append((args, kwargs))


@pytest.fixture
def registered(monkeypatch):
    """registered(task): enqueue() finds `task` under its name."""

    def register(task):
        monkeypatch.setattr(queue, "registered_task", {task.name: task}.__getitem__)
        return task

    return register


def test_it_sends_after_commit(registered, django_capture_on_commit_callbacks):
    task = registered(RecordingTask())
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("tests.recorded", 1, kind="x")
        assert task.sent == []
    assert task.sent == [((1,), {"kind": "x"})]


def test_it_finds_a_task_by_its_name():
    assert queue.registered_task("midi_regions.echo").apply(args=["salut"]).get()["value"] == "salut"
    with pytest.raises(KeyError):
        queue.registered_task("tests.no_such_task")


def test_it_sends_nothing_when_the_transaction_rolls_back(registered, django_capture_on_commit_callbacks):
    task = registered(RecordingTask())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue("tests.recorded", 1)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == [] and task.sent == []


def test_the_echo_task_runs_eagerly():
    assert echo.apply(args=["salut"]).get()["value"] == "salut"


class RefusingTask:
    """The broker is away: publishing raises what kombu raises for a refused connection."""

    name = "tests.refused"

    def apply_async(self, args, kwargs, **options):
        from kombu.exceptions import OperationalError

        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def real_broker():
    """Publishing goes to the broker (here: test doubles), not run in the test process."""
    from midi_regions.celery import app

    app.conf.task_always_eager = False


def test_a_message_the_broker_refuses_after_the_commit_is_kept_not_raised(
    real_broker, registered, django_capture_on_commit_callbacks
):
    from core.models import UnsentTask

    registered(RefusingTask())
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("tests.refused", 7, kind="x")  # the page that committed does not fail
    kept = UnsentTask.objects.get()
    assert (kept.task, kept.args, kept.kwargs) == ("tests.refused", [7], {"kind": "x"})
    assert "Connection refused" in kept.last_error


def test_the_sweep_publishes_each_kept_message_once(real_broker, monkeypatch):
    from core.models import UnsentTask
    from core.queue import resend_unsent

    sent = []
    monkeypatch.setattr(echo, "apply_async", lambda args, kwargs, **options: sent.append((args, options)))
    UnsentTask.objects.create(task="midi_regions.echo", args=["bonjour"])
    assert resend_unsent() == 1
    assert sent == [(["bonjour"], {"ignore_result": True})]
    assert resend_unsent() == 0 and not UnsentTask.objects.exists()


def test_the_sweep_keeps_the_messages_while_the_broker_is_still_away(real_broker, monkeypatch):
    from core.models import UnsentTask
    from core.queue import resend_unsent

    monkeypatch.setattr(echo, "apply_async", RefusingTask().apply_async)
    UnsentTask.objects.create(task="midi_regions.echo", args=["un"])
    UnsentTask.objects.create(task="midi_regions.echo", args=["deux"])
    assert resend_unsent() == 0
    assert list(UnsentTask.objects.values_list("attempts", flat=True)) == [1, 1]
