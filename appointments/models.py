"""Consultation topics (the advisers' mandate) and appointments."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from midi_regions.i18n import BilingualNameMixin, localized

from .constraints import EQUAL, OVERLAPS, PostgresOnlyExclusionConstraint, TsTzRange


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
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

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
    # iCalendar SEQUENCE: incremented on every change the attendee's calendar must apply.
    sequence = models.PositiveIntegerField(default=0)
    # A double-submitted booking form carries the same key: the second submit finds the first.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
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
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appt_end_after_start"
            ),
            PostgresOnlyExclusionConstraint(
                name="appt_no_overlap_per_advisor",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), OVERLAPS),
                    ("advisor", EQUAL),
                ],
                condition=models.Q(status__in=["confirmed", "completed", "no_show"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} – {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES
