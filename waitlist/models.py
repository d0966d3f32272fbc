"""The waitlist: companies waiting for a time that suits, and the freed times held for them."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.constraints import advisor_times_never_overlap
from appointments.models import Appointment, Mode, TimeOfDay, Topic, zone_of_meeting


class WaitlistEntry(models.Model):
    """A company waiting for a time that suits: a topic, a mode, an area and the times it can make.

    Entries are served in the order they joined (created_at, then id) when a matching time frees
    up (waitlist.services).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Time offered, held")
        BOOKED = "booked", _("Booked")
        LEFT = "left", _("Left the waitlist")

    ACTIVE_STATUSES = (Status.WAITING, Status.OFFERED)

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
    )
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("joined by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    municipality = models.ForeignKey(
        "service_points.Municipality",
        verbose_name=_("company location"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    max_distance_km = models.PositiveSmallIntegerField(
        _("how far (km)"), default=100, validators=[MinValueValidator(5), MaxValueValidator(1000)]
    )
    language = models.CharField(_("language of the consultation"), max_length=8, blank=True)
    weekdays = models.JSONField(_("days that suit"), default=list, blank=True)  # 0 = Monday; empty: any
    time_of_day = models.CharField(
        _("time of day"),
        max_length=10,
        choices=TimeOfDay.choices,
        default=TimeOfDay.ANY,
    )
    until = models.DateField(_("until"), null=True, blank=True)
    # The number to call if an offer for a phone meeting is booked, E.164 (core.phones); empty for
    # other modes. db_default: a running older version inserts entries without this column.
    contact_phone = models.CharField(
        _("number to call"), max_length=30, blank=True, default="", db_default=""
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    appointment = models.OneToOneField(
        Appointment,
        verbose_name=_("appointment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entry",
    )
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "appointments_waitlistentry"
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]
        indexes = [
            # The offer task: the waiting entries of a topic, in line order.
            models.Index(fields=["topic", "status", "created_at"], name="waitlist_topic_line"),
        ]
        constraints = [
            # One place in line per company, topic and mode.
            models.UniqueConstraint(
                fields=["company", "topic", "mode"],
                condition=models.Q(status__in=["waiting", "offered"]),
                name="waitlist_once_per_company_topic_mode",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} – {self.topic}"


class SlotHold(models.Model):
    """A freed time held for one waitlist entry until `expires_at`: nobody else sees or books it.

    The exclusion constraint (PostgreSQL) forbids two active holds on overlapping times of one
    adviser; the booking service refuses a held time to any other company.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Held")
        CONFIRMED = "confirmed", _("Confirmed")
        LAPSED = "lapsed", _("Lapsed")
        RELEASED = "released", _("Released")

    entry = models.ForeignKey(
        WaitlistEntry, verbose_name=_("waitlist entry"), on_delete=models.CASCADE, related_name="holds"
    )
    advisor = models.ForeignKey(
        "advisors.Advisor", verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="holds"
    )
    service_point = models.ForeignKey(
        "service_points.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    expires_at = models.DateTimeField(_("held until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        db_table = "appointments_slothold"
        verbose_name = _("held time")
        verbose_name_plural = _("held times")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["advisor", "starts_at"], name="hold_advisor_start"),
            models.Index(fields=["status", "expires_at"], name="hold_status_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="hold_end_after_start"
            ),
            advisor_times_never_overlap("hold_no_overlap_per_advisor", models.Q(status="active")),
            # One offer at a time per entry.
            models.UniqueConstraint(
                fields=["entry"], condition=models.Q(status="active"), name="hold_one_active_per_entry"
            ),
        ]

    @property
    def time_zone(self) -> str:
        """The zone the company reads the held time in: that of the meeting it would make."""
        return zone_of_meeting(
            mode=self.entry.mode, point=self.service_point, location=self.entry.municipality
        )
