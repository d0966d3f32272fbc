"""Consultation topics (the advisers' mandate) and appointments."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments import references
from appointments.constraints import advisor_times_never_overlap
from core.i18n import BilingualNameMixin, localized


def default_reminder_offsets() -> list[int]:
    """24 h and 2 h before the appointment."""
    return [24 * 60, 2 * 60]


class Topic(BilingualNameMixin, models.Model):
    """A consultation topic, with bilingual labels and an expected duration."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(240)],
    )
    min_notice_business_days = models.PositiveSmallIntegerField(
        _("minimum notice (business days)"), default=1, validators=[MaxValueValidator(30)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    reminder_offsets_minutes = models.JSONField(
        _("reminders (minutes before)"),
        default=default_reminder_offsets,
        blank=True,
        help_text=_("Emails sent this many minutes before each appointment, e.g. [1440, 120]."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Fair access (appointments.services): a company cannot hoard a scarce topic.
    max_upcoming_per_company = models.PositiveSmallIntegerField(
        _("upcoming appointments per company"),
        default=2,
        db_default=2,  # a running older version inserts topics without this column
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many future appointments of this topic one company may hold at once."),
    )
    max_per_month_per_company = models.PositiveSmallIntegerField(
        _("appointments per company per month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Appointments of this topic one company may have in a calendar month; empty: no limit."),
    )

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=15, duration_minutes__lte=240),
                name="topic_duration_range",
            )
        ]

    @property
    def description(self) -> str:
        return localized(self, "description")


class Mode(models.TextChoices):
    """How the employer meets the adviser."""

    SERVICE_POINT = "service_point", _("At a service point")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video")
    PREMISES = "premises", _("At the company's premises")


class TimeOfDay(models.TextChoices):
    """When in the day a time suits the employer (consultation requests, the waitlist)."""

    ANY = "any", _("Any time")
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class Appointment(models.Model):
    """A consultation booked by a company with an adviser. Times are stored in UTC."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses that occupy the adviser's time: everything but a cancellation.
    ACTIVE_STATUSES = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    # What people read out and search by ("RV-7K3-Q9M", appointments.references), given on the
    # first save. Nullable: a running older version inserts rows without it (migrations 0012–0014).
    reference = models.CharField(
        _("reference"), max_length=references.MAX_LENGTH, null=True, blank=True, editable=False
    )
    advisor = models.ForeignKey(
        "advisors.Advisor", verbose_name=_("adviser"), on_delete=models.PROTECT, related_name="appointments"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="appointments"
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    service_point = models.ForeignKey(
        "service_points.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        help_text=_("Where the meeting takes place, or where the adviser works from."),
    )
    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="appointments"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booked_appointments",
    )
    municipality = models.ForeignKey(
        "service_points.Municipality",
        verbose_name=_("company location"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    message = models.TextField(_("message to the adviser"), blank=True, max_length=2000)
    # The number to call for a phone appointment, E.164 ("+18195550101", core.phones); empty for other
    # modes and for rows made before it was asked. db_default: a running older version inserts
    # rows without this column.
    contact_phone = models.CharField(
        _("number to call"), max_length=30, blank=True, default="", db_default=""
    )
    # A video appointment's meeting room (core.video): made when it is booked, kept when it moves,
    # emptied when it is cancelled; the join links (with their tokens) are computed when shown.
    meeting_url = models.CharField(_("meeting room"), max_length=300, blank=True, default="", db_default="")
    # iCalendar SEQUENCE: incremented on every change the attendee's calendar must apply.
    # The SEQUENCE of the calendar files sent (RFC 5545): one more at each change.
    sequence = models.PositiveIntegerField(_("calendar file version"), default=0)
    # A double-submitted booking form carries the same key: the second submit finds the first.
    # Unique per company (appt_idempotency_key_per_company), as the booking service looks it up.
    idempotency_key = models.UUIDField(_("booking form key"), null=True, blank=True, editable=False)
    advisor_confirmed_at = models.DateTimeField(_("confirmed by the adviser"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at"]
        indexes = [
            # Slot search: one adviser's active appointments in a window (appointments.selectors).
            models.Index(fields=["advisor", "starts_at"], name="appt_advisor_start"),
            # "My appointments": a company's appointments by date (appointments.selectors).
            models.Index(fields=["company", "starts_at"], name="appt_company_start"),
            # Dashboards: on PostgreSQL, a covering index on (starts_at, advisor) created by
            # migration 0006 (Django's Index(include=...) warns on SQLite).
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appt_end_after_start"
            ),
            advisor_times_never_overlap(
                "appt_no_overlap_per_advisor", models.Q(status__in=["confirmed", "completed", "no_show"])
            ),
            # The key is the caller's (a form's hidden field, an API client's UUID), so it is
            # unique per company, where book_appointment looks it up: another company's use of the
            # same key is not this company's booking (issue 18). Partial: most rows have none.
            # Built concurrently by migration 0009; also the index of that look-up.
            models.UniqueConstraint(
                fields=["company", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="appt_idempotency_key_per_company",
            ),
            # Staff find an appointment by its reference (agenda.selectors.find_by_reference).
            # Partial, as the rows of an older version have none; built concurrently by 0014.
            models.UniqueConstraint(
                fields=["reference"],
                condition=models.Q(reference__isnull=False),
                name=references.CONSTRAINT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} – {self.starts_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.reference:
            self.reference = references.unused_reference(Appointment)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def time_zone(self) -> str:
        """The zone every time of this appointment is shown in (IANA name): the service point's
        for a meeting there; else the company location's (its premises, or where the employer
        answers the phone or the video call). Needs the point's or the location's municipality."""
        return zone_of_meeting(mode=self.mode, point=self.service_point, location=self.municipality)


def zone_of_meeting(*, mode: str, point, location) -> str:
    """Where a meeting's times are read: at the service point `point` when it is held there, else
    at `location` (the company's municipality). For a slot not booked yet as for an appointment."""
    if mode == Mode.SERVICE_POINT and point is not None:
        return point.municipality.time_zone
    return location.time_zone


class Reminder(models.Model):
    """One reminder email of one appointment, due at `scheduled_at` (UTC).

    Rows are planned when an appointment is booked or moved and deleted when it is cancelled
    (appointments.reminders). The unique constraint on (appointment, kind, scheduled time) and
    the `sent_at` stamp make a second sending of the same reminder impossible.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    appointment = models.ForeignKey(
        Appointment, verbose_name=_("appointment"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.PositiveIntegerField(_("minutes before"))
    scheduled_at = models.DateTimeField(_("scheduled at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["scheduled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "scheduled_at"], name="reminder_once_per_time"
            ),
        ]
        indexes = [
            models.Index(
                fields=["scheduled_at"],
                name="reminder_pending_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} – {self.kind} min"


class AppointmentEvent(models.Model):
    """The audit trail of an appointment: who changed what and when. Rows are only added."""

    class Action(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed by the adviser")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Marked completed")
        NO_SHOW = "no_show", _("Marked no-show")
        REASSIGNED = "reassigned", _("Reassigned")

    appointment = models.ForeignKey(
        Appointment, verbose_name=_("appointment"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    # Empty when the employer acted through the emailed link (no session).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    starts_at = models.DateTimeField(_("appointment time"))
    previous_starts_at = models.DateTimeField(_("previous time"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["appointment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class AppointmentNote(models.Model):
    """A private note of the adviser on an appointment: never shown to the employer."""

    appointment = models.ForeignKey(
        Appointment, verbose_name=_("appointment"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")
        ordering = ["appointment", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} {self.created_at:%Y-%m-%d %H:%M}"


class ChecklistItem(BilingualNameMixin, models.Model):
    """A document or fact the employer should have ready for a topic's consultation."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="checklist_items"
    )
    name_fr = models.CharField(_("item (French)"), max_length=200)
    name_en = models.CharField(_("item (English)"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["topic", "position", "pk"]


class ChecklistTick(models.Model):
    """The employer has this item ready for this appointment."""

    appointment = models.ForeignKey(
        Appointment, verbose_name=_("appointment"), on_delete=models.CASCADE, related_name="checklist_ticks"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+"
    )
    ticked_at = models.DateTimeField(_("ticked at"), default=timezone.now)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        constraints = [models.UniqueConstraint(fields=["appointment", "item"], name="tick_once_per_item")]
