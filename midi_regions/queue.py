"""Queue Celery tasks only once the current transaction commits.

A task queued inside a transaction that later rolls back would run against rows that never
existed; one queued before the commit could run before the rows are visible. Every service
that starts background work calls `enqueue`.
"""

from functools import partial

from django.db import transaction


def enqueue(task, *args, **kwargs) -> None:
    """Send task(*args, **kwargs) to the broker after the surrounding transaction commits."""
    transaction.on_commit(partial(task.apply_async, args=args, kwargs=kwargs))
