"""Project-level tasks: a round trip used by health checks and tests."""

import logging
import socket

from celery import shared_task

from core.queue import resend_unsent

logger = logging.getLogger(__name__)


@shared_task(name="midi_regions.echo")
def echo(value: str) -> dict:
    """Return the value with the worker's host name: proves a worker consumed the message."""
    logger.info("Echo task ran")  # carries the request id of whoever queued it (tests/test_logging.py)
    return {"value": value, "worker": socket.gethostname()}


@shared_task(name="midi_regions.resend_unsent_tasks", ignore_result=True)
def resend_unsent_tasks() -> int:
    """Beat, every minute: publish again the messages the broker refused (core.queue)."""
    return resend_unsent()
