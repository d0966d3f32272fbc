"""Celery tasks of company files: routing a new file, scanning its documents, and its emails."""

import logging

from celery import shared_task
from django.db import OperationalError

from company_files import documents, notifications, services
from core.antivirus import ScannerUnavailable, scanner_configured
from core.emails import email_task
from core.queue import enqueue

logger = logging.getLogger(__name__)

# clamd down: retried after 30 s, 1, 2, 4… minutes (capped at 30), 12 times (about 4 hours);
# then the beat's sweep keeps trying every 5 minutes.
SCAN_MAX_RETRIES = 12


@shared_task(
    name="company_files.route_file",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def route_file(file_id: int) -> int | None:
    """Give a new file to the nearest qualified adviser; returns the adviser's id."""
    file = services.route_file(file_id)
    return file.assigned_advisor_id if file else None


@email_task("company_files.send_stage_email")
def send_stage_email(entry_id: int) -> int:
    return notifications.send_stage_email(entry_id)


@email_task("company_files.send_message_email")
def send_message_email(entry_id: int) -> int:
    return notifications.send_message_email(entry_id)


def scan_retry_delay(retries: int) -> int:
    return min(30 * 2**retries, 1800)


@shared_task(name="company_files.scan_document", bind=True, acks_late=True, max_retries=SCAN_MAX_RETRIES)
def scan_document(self, document_id: int) -> str | None:
    """Scan a new document with clamd. Without a scanner (CLAMD_URL empty) it stays pending, as
    the page says. clamd unreachable: the document is *failed* and the task retries later; run
    in-process (eager tasks: tests, development) it is left to the sweep instead of blocking."""
    if not scanner_configured():
        return None
    try:
        return documents.scan_document(document_id)
    except ScannerUnavailable as error:
        if self.request.is_eager:
            logger.warning("Document %s not scanned (clamd unavailable): left to the sweep", document_id)
            return None
        if self.request.retries >= self.max_retries:
            return None  # the sweep goes on
        raise self.retry(exc=error, countdown=scan_retry_delay(self.request.retries)) from error


@shared_task(name="company_files.sweep_unscanned", acks_late=True, ignore_result=True)
def sweep_unscanned() -> int:
    """Beat, every 5 minutes: queue the scan of documents still waiting for a verdict."""
    if not scanner_configured():
        return 0
    waiting = documents.documents_to_sweep()
    for document_id in waiting:
        enqueue("company_files.scan_document", document_id)
    return len(waiting)


@email_task("company_files.send_review_email")
def send_review_email(entry_id: int) -> int:
    return notifications.send_review_email(entry_id)


@email_task("company_files.send_infected_email")
def send_infected_email(entry_id: int) -> int:
    return notifications.send_infected_email(entry_id)
