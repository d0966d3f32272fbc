"""Company files (dossiers): one company × one program, followed from opening to decision.

Programs, their stages, the transitions allowed between stages and the documents each program
requires are data, bilingual, edited in the admin. A file sits at one stage at a time; every
change of stage, message, internal note and document request is a `FileEntry` of its timeline,
written in the same transaction as the change it records.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import BilingualNameMixin, localized


class Program(BilingualNameMixin, models.Model):
    """A program a company is accompanied in (temporary foreign workers, financial aid…)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # Who may hold a file of the program (routing: advisers who know the topic) and what an
    # appointment about the file is about (the booking link of the file page).
    topic = models.ForeignKey(
        "appointments.Topic", verbose_name=_("consultation topic"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["position", "code"]

    @property
    def description(self) -> str:
        return localized(self, "description")

    def first_stage(self) -> "Stage | None":
        return self.stages.order_by("position", "pk").first()


class Stage(BilingualNameMixin, models.Model):
    """One step of a program's files, in order; `target_business_days` is its service level."""

    class WaitsFor(models.TextChoices):
        ADVISER = "adviser", _("The adviser")
        EMPLOYER = "employer", _("The employer")
        NOBODY = "nobody", _("Nobody (file closed)")

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="stages"
    )
    code = models.SlugField(_("code"), max_length=60)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    target_business_days = models.PositiveSmallIntegerField(
        _("target duration (business days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(250)],
        help_text=_("Empty: no target (a closed file)."),
    )
    reason_required_to_leave = models.BooleanField(
        _("moving out of it needs a reason"),
        default=False,
        help_text=_("The adviser must say why the file leaves this stage (a decision, a refusal…)."),
    )
    waits_for = models.CharField(
        _("waiting for"), max_length=10, choices=WaitsFor.choices, default=WaitsFor.ADVISER
    )
    closes_file = models.BooleanField(
        _("closes the file"), default=False, help_text=_("A file that reaches this stage is closed.")
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["program", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="stage_code_per_program")]


class Transition(models.Model):
    """A move an adviser may make: from one stage of a program to another of the same program."""

    from_stage = models.ForeignKey(
        Stage, verbose_name=_("from"), on_delete=models.CASCADE, related_name="transitions_out"
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to"), on_delete=models.CASCADE, related_name="transitions_in"
    )

    class Meta:
        verbose_name = _("allowed transition")
        verbose_name_plural = _("allowed transitions")
        ordering = ["from_stage__position", "to_stage__position"]
        constraints = [
            models.UniqueConstraint(fields=["from_stage", "to_stage"], name="transition_once"),
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")), name="transition_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"

    def clean(self) -> None:
        if self.from_stage_id and self.to_stage_id and self.from_stage.program_id != self.to_stage.program_id:
            raise ValidationError(_("Both stages must belong to the same program."))


class RequiredDocument(BilingualNameMixin, models.Model):
    """A document a program's files usually need; `is_mandatory`: no decision without it."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="required_documents"
    )
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["program", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name_fr"], name="required_document_once"),
        ]


class CompanyFile(models.Model):
    """A company's file in a program, held by an adviser of the company's directorate."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="files"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="files"
    )
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="files")
    stage_entered_at = models.DateTimeField(_("in this stage since"))
    # The stage's target as a moment (business days from stage_entered_at): "overdue" is one
    # indexed comparison. Empty for a stage without a target.
    stage_due_at = models.DateTimeField(_("stage due"), null=True, blank=True)
    assigned_advisor = models.ForeignKey(
        "advisors.Advisor",
        verbose_name=_("assigned adviser"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="files",
    )
    routing_reason = models.CharField(_("why this adviser"), max_length=20, blank=True)
    language = models.CharField(_("language of the file"), max_length=8, default="fr")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    paused = models.BooleanField(_("paused"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("company file")
        verbose_name_plural = _("company files")
        ordering = ["-opened_at"]
        constraints = [
            # One open file per company and program: a second one would split the timeline.
            models.UniqueConstraint(
                fields=["company", "program"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_file_per_program",
            ),
        ]
        indexes = [
            # The adviser's "Mes dossiers" and routing's caseload count (selectors).
            models.Index(fields=["assigned_advisor", "closed_at"], name="file_advisor_open"),
            # The employer's "Mes dossiers".
            models.Index(fields=["company", "opened_at"], name="file_company_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.program} – {self.company}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DocumentRequest(models.Model):
    """A document the adviser asked the company for, with its due date and review."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        RECEIVED = "received", _("Received, to be reviewed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    # What the employer still owes: nothing sent yet, or sent and refused.
    OUTSTANDING = (Status.REQUESTED, Status.REJECTED)

    file = models.ForeignKey(
        CompanyFile, verbose_name=_("file"), on_delete=models.CASCADE, related_name="document_requests"
    )
    required_document = models.ForeignKey(
        RequiredDocument,
        verbose_name=_("document of the program"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("document requested"), max_length=200, blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(title="") | models.Q(required_document__isnull=False),
                name="document_request_says_what",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What is requested, in the reader's language when it is one of the program's documents."""
        if self.required_document_id and not self.title:
            return self.required_document.name
        return self.title

    @property
    def is_outstanding(self) -> bool:
        return self.status in self.OUTSTANDING


class FileEntry(models.Model):
    """One line of a file's timeline; internal notes are for staff only."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("File opened")
        ASSIGNED = "assigned", _("Adviser assigned")
        STAGE_CHANGED = "stage", _("Stage changed")
        MESSAGE = "message", _("Message")
        NOTE = "note", _("Internal note")
        DOCUMENT_REQUESTED = "doc_requested", _("Document requested")
        DOCUMENT_RECEIVED = "doc_received", _("Document received")
        DOCUMENT_ACCEPTED = "doc_accepted", _("Document accepted")
        DOCUMENT_REJECTED = "doc_rejected", _("Document rejected")

    file = models.ForeignKey(
        CompanyFile, verbose_name=_("file"), on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("text"), max_length=4000, blank=True)  # message, note or reason
    from_stage = models.ForeignKey(
        Stage, verbose_name=_("from stage"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to stage"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        DocumentRequest,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="entries",
    )
    advisor = models.ForeignKey(
        "advisors.Advisor",
        verbose_name=_("adviser"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["file", "at"], name="file_entry_timeline")]

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.NOTE
