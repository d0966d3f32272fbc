"""Project-level tasks: a round trip used by health checks and tests."""

import socket

from celery import shared_task


@shared_task(name="midi_regions.echo")
def echo(value: str) -> dict:
    """Return the value with the worker's host name: proves a worker consumed the message."""
    return {"value": value, "worker": socket.gethostname()}
