"""Writes for company files: open, route, move between stages, request and review documents,
messages and internal notes. One transaction each; every change writes its timeline entry in the
same transaction; emails go out through tasks queued after the commit.

Lock order: the file row (select_for_update), then anything under it. Two staff members moving
the same file at once: the second waits for the first's lock, then finds the stage it expected
gone (`expected_stage_id`) and is refused with STAGE_CHANGED (409) instead of moving it twice.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.access import Role, company_of, role_of
from accounts.models import Company, User
from appointments.models import Mode, Topic
from company_files.models import (
    CompanyFile,
    DocumentRequest,
    FileEntry,
    Program,
    RequiredDocument,
    Stage,
    Transition,
)
from company_files.selectors import files_visible_to, is_staff
from consultations import routing
from consultations.models import RoutingDecision
from core.business_hours import add_business_days
from core.errors import ServiceError
from core.queue import enqueue
from service_points.models import Municipality

logger = logging.getLogger(__name__)

ALREADY_OPEN = "already_open"
NOT_ALLOWED = "not_allowed"
STAGE_CHANGED = "stage_changed"
REASON_REQUIRED = "reason_required"
CLOSED = "closed"
NOT_STAFF = "not_staff"
EMPTY = "empty"
NOT_REVIEWABLE = "not_reviewable"
NO_STAGES = "no_stages"


class FileError(ServiceError):
    """The file cannot be opened or changed; `code` says why."""

    messages = {
        ALREADY_OPEN: gettext_lazy("The company already has an open file in this program."),
        NOT_ALLOWED: gettext_lazy("This file cannot move from its current stage to that one."),
        STAGE_CHANGED: gettext_lazy(
            "Someone moved this file meanwhile: it is now at the stage shown. Check it, then try again."
        ),
        REASON_REQUIRED: gettext_lazy("Say why the file leaves this stage."),
        CLOSED: gettext_lazy("This file is closed."),
        NOT_STAFF: gettext_lazy("Only the ministry’s staff may do this."),
        EMPTY: gettext_lazy("Write something first."),
        NOT_REVIEWABLE: gettext_lazy("This document was not received, or is already reviewed."),
        NO_STAGES: gettext_lazy("This program has no stages yet: ask an administrator."),
    }
    statuses = {REASON_REQUIRED: 400, EMPTY: 400, NOT_STAFF: 403, NO_STAGES: 400}


@dataclass(frozen=True)
class RoutingNeed:
    """A file as routing weighs it (consultations.routing.RoutingNeed)."""

    company_id: int
    topic: Topic
    language: str
    mode: str
    municipality: Municipality


def _stage_due(stage: Stage, entered_at: datetime) -> datetime | None:
    if stage.target_business_days is None or stage.closes_file:
        return None
    return add_business_days(entered_at, stage.target_business_days)


def _entry(file: CompanyFile, kind: str, *, by: User | None, at: datetime, **fields) -> FileEntry:
    return FileEntry.objects.create(file=file, kind=kind, actor=by, at=at, **fields)


def open_file(*, company: Company, program: Program, by: User, now: datetime | None = None) -> CompanyFile:
    """Open the company's file in `program` at its first stage. Opened by an employer, it is routed
    to the nearest qualified adviser after the commit; opened by an adviser, it is theirs."""
    now = now or timezone.now()
    stage = program.first_stage()
    if stage is None:
        raise FileError(NO_STAGES)
    advisor = getattr(by, "advisor", None) if role_of(by) == Role.ADVISOR else None
    try:
        with transaction.atomic():
            file = CompanyFile.objects.create(
                company=company,
                program=program,
                stage=stage,
                stage_entered_at=now,
                stage_due_at=_stage_due(stage, now),
                assigned_advisor=advisor,
                routing_reason="opened_by_adviser" if advisor else "",
                language="en" if (by.language or "").startswith("en") else "fr",
                opened_by=by,
                opened_at=now,
            )
            _entry(file, FileEntry.Kind.OPENED, by=by, at=now, to_stage=stage)
            if advisor is None:
                enqueue("company_files.route_file", file.pk)
    except IntegrityError as error:
        raise FileError(ALREADY_OPEN) from error
    return file


def route_file(file_id: int, *, now: datetime | None = None) -> CompanyFile | None:
    """Give an unassigned file to the nearest qualified adviser, ties to the lighter caseload, the
    adviser who served the company last on the topic preferred (consultation requests' rules).
    Running it twice assigns once; None if the file is gone."""
    now = now or timezone.now()
    with transaction.atomic():
        file = (
            CompanyFile.objects.select_for_update(of=("self",))
            .select_related("program__topic", "company__municipality")
            .filter(pk=file_id)
            .first()
        )
        if file is None or file.assigned_advisor_id or not file.is_open:
            return file
        need = RoutingNeed(
            company_id=file.company_id,
            topic=file.program.topic,
            language=file.language,
            # Files are handled at a distance: the nearest point of each adviser counts.
            mode=Mode.VIDEO,
            municipality=file.company.municipality,
        )
        ranked = routing.ranked_advisors(need, now=now)
        if not ranked:
            file.routing_reason = RoutingDecision.Reason.NO_CANDIDATE
            file.save(update_fields=["routing_reason", "updated_at"])
            logger.warning("File %s has no qualified adviser: the regional manager assigns it", file.pk)
            return file
        closest = [r for r in ranked if round(r.distance_km, 1) == round(ranked[0].distance_km, 1)]
        by_load = len(closest) > 1 and len({r.load for r in closest}) > 1
        reason = RoutingDecision.Reason.TIE_BY_LOAD if by_load else RoutingDecision.Reason.NEAREST
        preferred = routing.prefer_last_advisor(need, ranked, now=now)
        if preferred is not ranked:
            ranked, reason = preferred, RoutingDecision.Reason.CONTINUITY
        file.assigned_advisor_id = ranked[0].advisor_id
        file.routing_reason = reason
        file.save(update_fields=["assigned_advisor", "routing_reason", "updated_at"])
        _entry(file, FileEntry.Kind.ASSIGNED, by=None, at=now, advisor_id=ranked[0].advisor_id)
    return file


def _visible_locked(file: CompanyFile, by: User) -> CompanyFile:
    """The file under its row lock, if `by` may see it.

    The lock is taken by primary key alone: locking through the joins of `files_visible_to` would
    let PostgreSQL re-check a join on the stage after a concurrent move and find no row (the
    loser would get a 404 instead of the 409 that says what happened)."""
    if not files_visible_to(by).filter(pk=file.pk).exists():
        raise CompanyFile.DoesNotExist(file.pk)
    return CompanyFile.objects.select_for_update().get(pk=file.pk)


def _locked(file: CompanyFile, by: User) -> CompanyFile:
    """The file under its row lock, if `by` may see it and it is open."""
    current = _visible_locked(file, by)
    if not current.is_open:
        raise FileError(CLOSED)
    return current


def _require_staff(by: User) -> None:
    if not is_staff(by):
        raise FileError(NOT_STAFF)


def move_to_stage(
    *,
    file: CompanyFile,
    to_stage: Stage,
    by: User,
    expected_stage_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> CompanyFile:
    """Move the file along an allowed transition, with the reason its current stage asks for.

    `expected_stage_id` is the stage the person saw: if the file moved meanwhile the move is refused
    (STAGE_CHANGED, 409). The timeline entry is written in the same transaction; the employer's
    representatives are emailed in their language after the commit."""
    now = now or timezone.now()
    _require_staff(by)
    reason = reason.strip()
    with transaction.atomic():
        current = _locked(file, by)
        if current.stage_id != expected_stage_id:
            raise FileError(STAGE_CHANGED)
        if not Transition.objects.filter(from_stage_id=current.stage_id, to_stage=to_stage).exists():
            raise FileError(NOT_ALLOWED)
        if current.stage.reason_required_to_leave and not reason:
            raise FileError(REASON_REQUIRED)
        previous = current.stage
        current.stage = to_stage
        current.stage_entered_at = now
        current.stage_due_at = _stage_due(to_stage, now)
        fields = ["stage", "stage_entered_at", "stage_due_at", "updated_at"]
        if to_stage.closes_file:
            current.closed_at = now
            fields.append("closed_at")
        current.save(update_fields=fields)
        entry = _entry(
            current,
            FileEntry.Kind.STAGE_CHANGED,
            by=by,
            at=now,
            from_stage=previous,
            to_stage=to_stage,
            body=reason[:4000],
        )
        enqueue("company_files.send_stage_email", entry.pk)
    return current


def request_document(
    *,
    file: CompanyFile,
    by: User,
    required_document: RequiredDocument | None = None,
    title: str = "",
    is_mandatory: bool = True,
    due_on: date | None = None,
    now: datetime | None = None,
) -> DocumentRequest:
    """Ask the company for a document (one of the program's, or described in `title`)."""
    now = now or timezone.now()
    _require_staff(by)
    title = title.strip()[:200]
    if required_document is None and not title:
        raise FileError(EMPTY)
    with transaction.atomic():
        current = _locked(file, by)
        if required_document is not None and required_document.program_id != current.program_id:
            raise FileError(NOT_ALLOWED)
        document = DocumentRequest.objects.create(
            file=current,
            required_document=required_document,
            title=title,
            is_mandatory=is_mandatory,
            due_on=due_on,
            requested_by=by,
            requested_at=now,
        )
        _entry(current, FileEntry.Kind.DOCUMENT_REQUESTED, by=by, at=now, document=document)
    return document


def record_document_received(
    *, document: DocumentRequest, by: User, now: datetime | None = None
) -> DocumentRequest:
    """The document arrived (sent on the file, or by another channel the adviser records)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(document.file, by)
        doc = DocumentRequest.objects.select_for_update().get(pk=document.pk, file=current)
        if doc.status not in DocumentRequest.OUTSTANDING:
            raise FileError(NOT_REVIEWABLE)
        doc.status = DocumentRequest.Status.RECEIVED
        doc.rejection_reason = ""
        doc.save(update_fields=["status", "rejection_reason"])
        _entry(current, FileEntry.Kind.DOCUMENT_RECEIVED, by=by, at=now, document=doc)
    return doc


def review_document(
    *, document: DocumentRequest, by: User, accept: bool, reason: str = "", now: datetime | None = None
) -> DocumentRequest:
    """Accept a received document, or reject it with a reason (it is owed again)."""
    now = now or timezone.now()
    _require_staff(by)
    reason = reason.strip()[:500]
    if not accept and not reason:
        raise FileError(REASON_REQUIRED)
    with transaction.atomic():
        current = _locked(document.file, by)
        doc = DocumentRequest.objects.select_for_update().get(pk=document.pk, file=current)
        if doc.status != DocumentRequest.Status.RECEIVED:
            raise FileError(NOT_REVIEWABLE)
        doc.status = DocumentRequest.Status.ACCEPTED if accept else DocumentRequest.Status.REJECTED
        doc.rejection_reason = "" if accept else reason
        doc.reviewed_by, doc.reviewed_at = by, now
        doc.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
        kind = FileEntry.Kind.DOCUMENT_ACCEPTED if accept else FileEntry.Kind.DOCUMENT_REJECTED
        _entry(current, kind, by=by, at=now, document=doc, body=doc.rejection_reason)
    return doc


def post_message(*, file: CompanyFile, by: User, body: str, now: datetime | None = None) -> FileEntry:
    """A message on the file, between the company's representatives and the staff: both see it."""
    now = now or timezone.now()
    body = body.strip()
    if not body:
        raise FileError(EMPTY)
    with transaction.atomic():
        current = _locked(file, by)
        entry = _entry(current, FileEntry.Kind.MESSAGE, by=by, at=now, body=body[:4000])
        enqueue("company_files.send_message_email", entry.pk)
    return entry


def add_internal_note(*, file: CompanyFile, by: User, body: str, now: datetime | None = None) -> FileEntry:
    """A note for the staff only: never shown to the employer, never emailed. Closed files take
    notes too (what happened after the decision)."""
    now = now or timezone.now()
    _require_staff(by)
    body = body.strip()
    if not body:
        raise FileError(EMPTY)
    with transaction.atomic():
        current = _visible_locked(file, by)
        return _entry(current, FileEntry.Kind.NOTE, by=by, at=now, body=body[:4000])


def may_open_for(user: User, company: Company) -> bool:
    """Representatives open their company's files; advisers may open one for any company."""
    role = role_of(user)
    if role == Role.EMPLOYER:
        return company_of(user) == company
    return role == Role.ADVISOR
