"""Reads of company files: who may see which, the lists, the timeline, what is missing.

`files_visible_to` is the one rule every page, form and API call goes through: the company's
representatives see its files; staff see the files of their directorate (the company's), an
adviser also those assigned to them, an administrator all. Anyone else gets a 404.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.access import Role, company_of, directorates_visible_to, role_of
from advisors.models import Advisor
from company_files.models import CompanyFile, DocumentRequest, FileEntry, Program, Stage, Transition

STAFF = (Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)

_RELATED = ("program", "stage", "company", "assigned_advisor__user")


def advisor_directorate_id(advisor: Advisor) -> int | None:
    """The directorate of the adviser's home service point: 1 query."""
    return (
        Advisor.objects.filter(pk=advisor.pk)
        .values_list("home_service_point__municipality__region__directorate_id", flat=True)
        .first()
    )


def files_visible_to(user) -> QuerySet[CompanyFile]:
    """The files `user` may open (none for visitors and new users)."""
    files = CompanyFile.objects.select_related(*_RELATED)
    role = role_of(user)
    in_directorate = "company__municipality__region__directorate_id"
    if role == Role.EMPLOYER:
        return files.filter(company=company_of(user))
    if role == Role.ADMINISTRATOR:
        return files
    if role == Role.MANAGER:
        ids = list(directorates_visible_to(user).values_list("pk", flat=True))
        return files.filter(
            Q(**{f"{in_directorate}__in": ids})
            | Q(assigned_advisor__home_service_point__municipality__region__directorate_id__in=ids)
        )
    if role == Role.ADVISOR:
        advisor = user.advisor
        return files.filter(
            Q(assigned_advisor=advisor) | Q(**{in_directorate: advisor_directorate_id(advisor)})
        )
    return files.none()


def is_staff(user) -> bool:
    return role_of(user) in STAFF


def open_files_per_advisor(advisor_ids: list[int]) -> list[tuple[int, int]]:
    """Open files held by each adviser (routing's caseload, consultations.caseload): 1 query."""
    return list(
        CompanyFile.objects.filter(assigned_advisor_id__in=advisor_ids, closed_at__isnull=True)
        .values_list("assigned_advisor_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def _outstanding():
    return DocumentRequest.objects.filter(file=OuterRef("pk"), status__in=DocumentRequest.OUTSTANDING)


def with_waiting(files: QuerySet[CompanyFile]) -> QuerySet[CompanyFile]:
    """Annotate `waiting_for_employer`: a stage that waits for the employer, or documents owed."""
    return files.annotate(owes_documents=Exists(_outstanding()))


class Waiting:
    EMPLOYER = "employer"
    ME = "me"


@dataclass(frozen=True)
class FileFilters:
    """The adviser's list filters (all optional)."""

    program: Program | None = None
    stage: Stage | None = None
    overdue: bool = False
    waiting: str = ""  # Waiting.EMPLOYER, Waiting.ME or ""
    closed: bool = False  # closed files instead of open ones


def staff_files(user, filters: FileFilters, *, now: datetime | None = None) -> QuerySet[CompanyFile]:
    """The staff member's "Mes dossiers": an adviser's own files, a manager's directorate; filtered,
    overdue first then oldest stage first; each annotated with `owes_documents`."""
    now = now or timezone.now()
    files = files_visible_to(user)
    if role_of(user) == Role.ADVISOR:
        files = files.filter(assigned_advisor=user.advisor)
    files = files.filter(closed_at__isnull=not filters.closed)
    if filters.program:
        files = files.filter(program=filters.program)
    if filters.stage:
        files = files.filter(stage=filters.stage)
    if filters.overdue:
        files = files.filter(stage_due_at__lt=now)
    files = with_waiting(files)
    employer_turn = Q(owes_documents=True) | Q(stage__waits_for=Stage.WaitsFor.EMPLOYER)
    if filters.waiting == Waiting.EMPLOYER:
        files = files.filter(employer_turn)
    elif filters.waiting == Waiting.ME:
        files = files.exclude(employer_turn).filter(stage__waits_for=Stage.WaitsFor.ADVISER)
    return files.order_by("stage_due_at", "stage_entered_at", "pk")


def company_files(company) -> QuerySet[CompanyFile]:
    """The company's files, open ones first, each annotated with `owes_documents`."""
    return with_waiting(CompanyFile.objects.filter(company=company).select_related(*_RELATED)).order_by(
        "closed_at", "-opened_at"
    )


def timeline(file: CompanyFile, *, internal: bool) -> list[FileEntry]:
    """The file's entries, oldest first; internal notes only for staff (`internal`): 1 query."""
    entries = file.entries.select_related(
        "actor", "from_stage", "to_stage", "document__required_document", "advisor__user"
    )
    if not internal:
        entries = entries.exclude(kind=FileEntry.Kind.NOTE)
    return list(entries.order_by("at", "pk"))


def document_requests(file: CompanyFile) -> list[DocumentRequest]:
    """The file's document requests, outstanding first: 1 query."""
    rows = list(file.document_requests.select_related("required_document"))
    rows.sort(key=lambda d: (not d.is_outstanding, d.due_on is None, d.due_on or datetime.min.date(), d.pk))
    return rows


def missing_documents(file: CompanyFile) -> list:
    """Mandatory documents of the program not yet accepted nor requested, by name: 1 query.

    What the employer should still expect to provide beyond what was requested."""
    asked = set(
        file.document_requests.exclude(required_document=None).values_list("required_document_id", flat=True)
    )
    return [doc for doc in file.program.required_documents.all() if doc.pk not in asked and doc.is_mandatory]


def allowed_targets(file: CompanyFile) -> list[Stage]:
    """Stages the file may move to from its current stage: 1 query."""
    return [
        t.to_stage
        for t in Transition.objects.filter(from_stage_id=file.stage_id)
        .select_related("to_stage")
        .order_by("to_stage__position")
    ]


def active_programs() -> QuerySet[Program]:
    return Program.objects.filter(is_active=True).select_related("topic").order_by("position", "code")


@dataclass
class StageCount:
    stage: Stage
    open: int = 0
    overdue: int = 0


@dataclass
class ProgramCounts:
    program: Program
    stages: list[StageCount]

    @property
    def open(self) -> int:
        return sum(s.open for s in self.stages)

    @property
    def overdue(self) -> int:
        return sum(s.overdue for s in self.stages)


def files_by_program_and_stage(user, *, now: datetime | None = None) -> list[ProgramCounts]:
    """Open files the manager's directorate holds (an administrator: all), by program × stage,
    with how many are past their stage's target: 2 queries."""
    now = now or timezone.now()
    rows = (
        files_visible_to(user)
        .filter(closed_at__isnull=True)
        .values("stage_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(stage_due_at__lt=now)))
        .order_by()
    )
    counts = {r["stage_id"]: r for r in rows}
    programs: dict[int, ProgramCounts] = {}
    for stage in (
        Stage.objects.select_related("program")
        .filter(closes_file=False)
        .order_by("program__position", "program__code", "position")
    ):
        entry = programs.setdefault(stage.program_id, ProgramCounts(stage.program, []))
        found = counts.get(stage.pk, {})
        entry.stages.append(StageCount(stage, found.get("open", 0), found.get("overdue", 0)))
    return list(programs.values())
