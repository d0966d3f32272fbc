"""Queue Celery tasks only once the current transaction commits, and never lose one to the broker.

A task queued inside a transaction that later rolls back would run against rows that never
existed; one queued before the commit could run before the rows are visible. Every service
that starts background work calls `enqueue`.

After the commit the work is done and the user is told so; if the broker cannot take the message
then (Redis down or restarting), the page must not fail and the message must not vanish: it is
kept as an `UnsentTask` row and the beat's sweep (`resend_unsent`, every minute) publishes it
again once the broker answers. Beat's own sweeps (routing, reminders) read their work from the
tables and need no such row.
"""

import logging
from functools import partial

from celery import current_app as app
from django.db import transaction
from django.db.models import F
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

# What publishing raises when the broker is away: kombu's wrapper of connection errors, and the
# OS errors of the embedded filesystem transport. A message that cannot be encoded is a bug and
# is not caught.
BROKER_ERRORS = (BrokerUnavailable, OSError)


def enqueue(name: str, *args, **kwargs) -> None:
    """Send the task named `name` with (*args, **kwargs) to the broker after the surrounding
    transaction commits. By name, so a service never imports the tasks that wrap services: the
    task modules import the services, never the other way round."""
    transaction.on_commit(partial(publish, name, args, kwargs))


def registered_task(name: str):
    """The task object registered under `name` (the apps' tasks modules imported on first use)."""
    task = app.tasks.get(name)
    if task is None:
        app.loader.import_default_modules()  # Django apps' tasks.py (autodiscover_tasks)
        task = app.tasks[name]
    return task


def publish(name: str, args: tuple, kwargs: dict) -> None:
    """Send now; if the broker refuses, keep the message for the sweep. Never raises for the
    broker: the transaction it follows has committed."""
    task = registered_task(name)
    if app.conf.task_always_eager:  # tests and CELERY_TASK_ALWAYS_EAGER: the task runs here
        task.apply_async(args=args, kwargs=kwargs)
        return
    try:
        # Nobody waits for these results: with ignore_result the web process does not subscribe
        # to a result channel either (with Redis down, that subscription retries for 20 s).
        task.apply_async(args=args, kwargs=kwargs, ignore_result=True)
    except BROKER_ERRORS as error:
        logger.warning("broker unavailable, %s kept for the sweep: %s", task.name, error)
        _keep(task.name, args, kwargs, error)


def _keep(name: str, args, kwargs, error: Exception) -> None:
    # Imported here: Celery imports the task modules (and this one) before Django's apps are ready.
    from core.models import UnsentTask

    try:
        UnsentTask.objects.create(
            task=name, args=list(args), kwargs=dict(kwargs), last_error=str(error)[:300]
        )
    except Exception:  # the database too: say what is lost, loudly, but do not fail the request
        logger.exception("task %s(%r, %r) lost: neither broker nor database took it", name, args, kwargs)


def resend_unsent(*, limit: int = 500) -> int:
    """Publish the kept messages again, oldest first; returns how many went out.

    Rows are locked (skip_locked: two sweeps never take the same row) and deleted in the
    transaction that published them. A crash between the publish and the commit would send one
    twice; the email senders skip events that are no longer current, and that window is a few
    milliseconds where the alternative is losing the message.
    """
    from core.models import UnsentTask

    sent = 0
    with transaction.atomic():
        rows = list(UnsentTask.objects.select_for_update(skip_locked=True).order_by("pk")[:limit])
        for position, row in enumerate(rows):
            task = app.tasks.get(row.task)
            try:
                if task is not None:
                    task.apply_async(args=row.args, kwargs=row.kwargs, ignore_result=True)
                else:
                    app.send_task(row.task, args=row.args, kwargs=row.kwargs, ignore_result=True)
            except BROKER_ERRORS as error:
                # Still away: the rest waits for the next sweep.
                waiting = [r.pk for r in rows[position:]]
                UnsentTask.objects.filter(pk__in=waiting).update(
                    attempts=F("attempts") + 1, last_error=str(error)[:300]
                )
                logger.warning("broker still unavailable, %d tasks wait: %s", len(waiting), error)
                break
            row.delete()
            sent += 1
    if sent:
        logger.info("resent %d tasks the broker had refused", sent)
    return sent
