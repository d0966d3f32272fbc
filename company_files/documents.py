"""Writes for the documents sent on a file: upload, virus scan, review, retention.

    document, created = upload_document(file=file, by=user, upload=request.FILES["file"])

An upload is checked from its content (core.uploads: type, size, empty, name), stored under a
random key in the private storage, then recorded on the file in one transaction (its timeline
entry, the request it answers marked received). The same bytes sent twice on a file are one
document: the unique constraint (file, sha256) decides, and the loser deletes the copy it stored.

The scan (`scan_document`) runs in a Celery task queued after the commit: clamd is asked outside
any transaction, then the verdict is written under the document's row lock. Clean documents may
be downloaded; infected ones are quarantined (never served, to anyone) and the uploader and the
adviser are told; a scanner that cannot be reached leaves the document *failed*, retried by the
task and by the beat's sweep (`sweep_unscanned`).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from company_files.models import CompanyFile, Document, DocumentRequest, FileEntry
from company_files.selectors import files_visible_to
from company_files.services import (
    NOT_REVIEWABLE,
    NOT_THIS_FILE,
    REASON_REQUIRED,
    FileError,
    _entry,
    _locked,
    _require_staff,
)
from core.antivirus import ScanError, ScannerUnavailable, ScanStatus, next_scan_status, scan_stored
from core.queue import enqueue
from core.uploads import check_upload, delete_stored, store_upload

logger = logging.getLogger(__name__)

# A document still pending this long after its upload has lost its task (a worker died, Redis
# restarted): the sweep queues it again.
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 200


def upload_document(
    *,
    file: CompanyFile,
    by: User,
    upload: File,
    request: DocumentRequest | None = None,
    now: datetime | None = None,
) -> tuple[Document, bool]:
    """Record `upload` on the file (in answer to `request`, or free). Returns (document, created):
    the same content already on the file gives that document and False, with nothing stored.

    UploadRefused (413, 400, 415) for a file too large, empty or of a type we do not take;
    FileError for a closed file or a request of another file; DoesNotExist if `by` may not see it."""
    now = now or timezone.now()
    if not files_visible_to(by).filter(pk=file.pk).exists():
        raise CompanyFile.DoesNotExist(file.pk)
    checked = check_upload(upload)  # before anything is stored
    existing = Document.objects.filter(file=file, sha256=checked.sha256).first()
    if existing is not None:
        return existing, False
    stored = store_upload(upload, checked=checked)
    try:
        with transaction.atomic():
            current = _locked(file, by)
            answered = None
            if request is not None:
                answered = (
                    DocumentRequest.objects.select_for_update().filter(pk=request.pk, file=current).first()
                )
                if answered is None:
                    raise FileError(NOT_THIS_FILE)
            document = Document.objects.create(
                file=current,
                request=answered,
                uploaded_by=by,
                uploaded_at=now,
                name=stored.name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_key=stored.key,
            )
            _entry(
                current,
                FileEntry.Kind.DOCUMENT_UPLOADED,
                by=by,
                at=now,
                upload=document,
                document=answered,
            )
            if answered is not None and answered.status in DocumentRequest.OUTSTANDING:
                answered.status = DocumentRequest.Status.RECEIVED
                answered.rejection_reason = ""
                answered.save(update_fields=["status", "rejection_reason"])
            enqueue("company_files.scan_document", document.pk)
    except IntegrityError:
        # The same document sent at the same moment by another request: keep theirs.
        delete_stored(stored.key)
        existing = Document.objects.filter(file=file, sha256=stored.sha256).first()
        if existing is None:
            raise
        return existing, False
    except BaseException:
        delete_stored(stored.key)
        raise
    return document, True


# --- Scanning ------------------------------------------------------------------------------------


def scan_document(document_id: int, *, now: datetime | None = None) -> str | None:
    """Scan the document with clamd and record the verdict; returns the new status (None: the
    document is gone). A document already clean or infected is not scanned again.

    ScannerUnavailable propagates (after recording *failed*) so the task retries; ScanError (clamd
    could not scan this file) is recorded as *failed*, left to the sweep and the administrators."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or not document.waits_for_scan:
        return document.scan_status if document else None
    try:
        verdict = scan_stored(document.storage_key)
    except (ScannerUnavailable, ScanError) as error:
        _record_failure(document_id, now=now)
        if isinstance(error, ScannerUnavailable):
            raise
        logger.error("clamd could not scan document %s: %s", document_id, error)
        return ScanStatus.FAILED
    now = now or timezone.now()
    with transaction.atomic():
        current = Document.objects.select_for_update().filter(pk=document_id).first()
        if current is None or not current.waits_for_scan:  # scanned meanwhile by another task
            return current.scan_status if current else None
        current.scan_status = next_scan_status(current.scan_status, verdict)
        current.scan_signature = verdict.signature[:200]
        current.scan_attempts += 1
        current.scanned_at = now
        current.save(update_fields=["scan_status", "scan_signature", "scan_attempts", "scanned_at"])
        if verdict.infected:
            _quarantine(current, now=now)
    return current.scan_status


def _record_failure(document_id: int, *, now: datetime | None) -> None:
    with transaction.atomic():
        current = Document.objects.select_for_update().filter(pk=document_id).first()
        if current is None or not current.waits_for_scan:
            return
        current.scan_status = next_scan_status(current.scan_status, None)
        current.scan_attempts += 1
        current.save(update_fields=["scan_status", "scan_attempts"])


def _quarantine(document: Document, *, now: datetime) -> None:
    """An infected document: never served (may_serve), the request it answered is owed again,
    the timeline says so, and the uploader and the adviser are emailed after the commit."""
    logger.warning("Document %s is infected (%s): quarantined", document.pk, document.scan_signature)
    if document.request_id:
        DocumentRequest.objects.filter(pk=document.request_id, status=DocumentRequest.Status.RECEIVED).update(
            status=DocumentRequest.Status.REQUESTED
        )
    entry = _entry(
        document.file,
        FileEntry.Kind.DOCUMENT_INFECTED,
        by=None,
        at=now,
        upload=document,
        document_id=document.request_id,
    )
    enqueue("company_files.send_infected_email", entry.pk)


def documents_to_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Documents still waiting for a verdict: pending for longer than SWEEP_AFTER (their task
    was lost), or failed (the scanner was down). Oldest first."""
    now = now or timezone.now()
    return list(
        Document.objects.filter(scan_status__in=[ScanStatus.PENDING, ScanStatus.FAILED])
        .filter(uploaded_at__lt=now - SWEEP_AFTER)
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Review --------------------------------------------------------------------------------------


def review_upload(
    *, document: Document, by: User, accept: bool, reason: str = "", now: datetime | None = None
) -> Document:
    """Accept a clean document, or reject it with a reason; the request it answers follows (a
    rejected one is owed again). The company's representatives are emailed in their language."""
    now = now or timezone.now()
    _require_staff(by)
    reason = reason.strip()[:500]
    if not accept and not reason:
        raise FileError(REASON_REQUIRED)
    with transaction.atomic():
        current = _locked(document.file, by)
        doc = Document.objects.select_for_update().get(pk=document.pk, file=current)
        if not doc.is_clean or doc.review:
            raise FileError(NOT_REVIEWABLE)
        doc.review = Document.Review.ACCEPTED if accept else Document.Review.REJECTED
        doc.rejection_reason = "" if accept else reason
        doc.reviewed_by, doc.reviewed_at = by, now
        doc.save(update_fields=["review", "rejection_reason", "reviewed_by", "reviewed_at"])
        answered = None
        if doc.request_id:
            answered = DocumentRequest.objects.select_for_update().get(pk=doc.request_id)
            if answered.status == DocumentRequest.Status.RECEIVED:
                answered.status = (
                    DocumentRequest.Status.ACCEPTED if accept else DocumentRequest.Status.REJECTED
                )
                answered.rejection_reason = doc.rejection_reason
                answered.reviewed_by, answered.reviewed_at = by, now
                answered.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
        kind = FileEntry.Kind.DOCUMENT_ACCEPTED if accept else FileEntry.Kind.DOCUMENT_REJECTED
        entry = _entry(current, kind, by=by, at=now, upload=doc, document=answered, body=doc.rejection_reason)
        enqueue("company_files.send_review_email", entry.pk)
    return doc


# --- Retention (Law 25) ----------------------------------------------------------------------------


def purge_documents_of_closed_files(*, now: datetime | None = None, batch: int = 500) -> int:
    """Delete the documents (rows and stored bytes) of files closed more than
    DOCUMENT_RETENTION_DAYS ago; returns how many. Rows go first, in one transaction per batch,
    then the bytes: a crash between leaves an orphan blob, never a row without its file."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DOCUMENT_RETENTION_DAYS)
    expired = Document.objects.filter(file__closed_at__lt=cutoff)
    if not expired.exists():  # the usual day: one indexed query
        return 0
    deleted = 0
    while True:
        with transaction.atomic():
            rows = list(expired.select_for_update().order_by("pk").values_list("pk", "storage_key")[:batch])
            if not rows:
                return deleted
            Document.objects.filter(pk__in=[pk for pk, _key in rows]).delete()
        for _pk, key in rows:
            try:
                delete_stored(key)
            except OSError:
                logger.exception("Stored document %s could not be deleted", key)
        deleted += len(rows)
