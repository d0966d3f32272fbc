"""Group information sessions: one adviser presents a topic to many companies at once.

Capacity is the database's: a session row carries its `seats_taken` counter, checked by
`seats_taken BETWEEN 0 AND capacity`; every change of seats is one conditional UPDATE of that row
in the transaction that creates, grows, shrinks or cancels the registration
(group_sessions.seats). A session blocks its presenter's calendar like an appointment: an
exclusion constraint between sessions of one adviser, and a claim (appointments.claims) that
booking and slot search see under the adviser's row lock.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appointments.constraints import advisor_times_never_overlap

MAX_CAPACITY = 500
MAX_PARTY = 20
LONGEST_SESSION_MINUTES = 8 * 60  # appointments.claims look 12 hours back at most


class SessionMode(models.TextChoices):
    SERVICE_POINT = "service_point", _("In person at a service point")
    VIDEO = "video", _("By video")


class SessionSeries(models.Model):
    """Sessions made together by one action: "every second Tuesday until June"."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    rule = models.CharField(_("recurrence rule"), max_length=300)  # RFC 5545 RRULE (dateutil)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("series of sessions")
        verbose_name_plural = _("series of sessions")

    def __str__(self) -> str:
        return self.rule


class GroupSession(models.Model):
    """One information session. Times in UTC; shown in the zone of its place."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    series = models.ForeignKey(
        SessionSeries,
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    # The presenter. Named `advisor` as in appointments and holds: the exclusion constraint and
    # the claims read that column.
    advisor = models.ForeignKey(
        "advisors.Advisor",
        verbose_name=_("presenter"),
        on_delete=models.PROTECT,
        related_name="group_sessions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.ForeignKey(
        "appointments.Topic", verbose_name=_("topic"), on_delete=models.PROTECT, related_name="group_sessions"
    )
    language = models.ForeignKey(
        "advisors.Language", verbose_name=_("language"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=20, choices=SessionMode.choices)
    service_point = models.ForeignKey(
        "service_points.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_sessions",
    )
    room = models.CharField(_("room"), max_length=120, blank=True)
    room_capacity = models.PositiveSmallIntegerField(
        _("room capacity"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # A video session's room (core.video), made when the session is created.
    meeting_url = models.CharField(_("meeting room"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    # Seats of confirmed registrations and of waitlist offers still held (group_sessions.seats).
    seats_taken = models.PositiveSmallIntegerField(_("seats taken"), default=0)
    max_party_size = models.PositiveSmallIntegerField(
        _("participants per company"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PARTY)],
    )
    registration_deadline = models.DateTimeField(_("registration deadline"))
    waitlist_enabled = models.BooleanField(_("waitlist"), default=True)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    materials_url = models.URLField(_("materials (link)"), blank=True, max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    # iCalendar SEQUENCE of the registrants' files: one more at each change their calendar applies.
    sequence = models.PositiveIntegerField(_("calendar file version"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        ordering = ["starts_at", "pk"]
        indexes = [
            # The public list: upcoming scheduled sessions by date (group_sessions.selectors).
            models.Index(fields=["starts_at"], name="gs_upcoming", condition=Q(status="scheduled")),
            # The presenter's sessions and the claims (appointments.claims) by adviser and time.
            models.Index(fields=["advisor", "starts_at"], name="gs_advisor_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="gs_end_after_start"),
            # The capacity the database enforces: no UPDATE can take more seats than there are.
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0, seats_taken__lte=F("capacity")),
                name="gs_seats_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(room_capacity__isnull=True) | Q(capacity__lte=F("room_capacity")),
                name="gs_capacity_within_room",
            ),
            models.CheckConstraint(
                condition=~Q(mode="service_point") | Q(service_point__isnull=False),
                name="gs_point_for_in_person",
            ),
            models.CheckConstraint(
                condition=Q(registration_deadline__lte=F("starts_at")), name="gs_deadline_before_start"
            ),
            # The presenter's sessions never overlap (appointments are kept off by the adviser's
            # row lock and the claim, as waitlist holds are).
            advisor_times_never_overlap("gs_no_overlap_per_advisor", Q(status="scheduled")),
        ]

    def __str__(self) -> str:
        return f"{self.topic} – {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.SCHEDULED

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def time_zone(self) -> str:
        """The service point's zone for a session there; Eastern time for a video session."""
        if self.mode == SessionMode.SERVICE_POINT and self.service_point_id:
            return self.service_point.municipality.time_zone
        return "America/Toronto"

    def registration_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_scheduled and now < self.registration_deadline


class Registration(models.Model):
    """One company's registration to a session, for one or more participants."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Registered")
        WAITLISTED = "waitlisted", _("On the waitlist")
        OFFERED = "offered", _("Seats offered, held")
        CANCELLED = "cancelled", _("Cancelled")
        LAPSED = "lapsed", _("Offer lapsed")

    # Statuses whose seats count in the session's seats_taken.
    SEATED = (Status.CONFIRMED, Status.OFFERED)
    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED)

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        GroupSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="registrations"
    )
    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_email = models.EmailField(_("contact email"))
    language = models.CharField(_("language of the emails"), max_length=8, default="fr-ca")
    seats = models.PositiveSmallIntegerField(_("participants"), validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # The offer of freed seats to a waitlisted registration: until when they are held.
    hold_expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        indexes = [
            # The waitlist in line order (group_sessions.services.offer_freed_seats).
            models.Index(fields=["session", "status", "created_at"], name="gs_reg_line"),
            models.Index(fields=["company", "created_at"], name="gs_reg_company"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="gs_reg_at_least_one"),
            # One registration per company and session: a company changes its count instead.
            models.UniqueConstraint(
                fields=["session", "company"],
                condition=Q(status__in=["confirmed", "waitlisted", "offered"]),
                name="gs_reg_once_per_company",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(hold_expires_at__isnull=False),
                name="gs_reg_offer_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} – {self.session}"

    @property
    def is_seated(self) -> bool:
        return self.status in self.SEATED


class Participant(models.Model):
    """A person of the company who will attend; attendance is marked after the session."""

    class Attendance(models.TextChoices):
        PRESENT = "present", pgettext_lazy("attendance of a participant", "Present")
        ABSENT = "absent", pgettext_lazy("attendance of a participant", "Absent")

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    attendance = models.CharField(_("attendance"), max_length=8, choices=Attendance.choices, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["registration", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "email"], condition=Q(removed_at__isnull=True), name="gs_part_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SessionMessage(models.Model):
    """A message the presenter sent to every registrant of a session."""

    session = models.ForeignKey(
        GroupSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message to registrants")
        verbose_name_plural = _("messages to registrants")
        ordering = ["-created_at"]


class Notice(models.Model):
    """One email to one person about a session, sent exactly once (group_sessions.outbox).

    Written in the transaction of the change it tells (a registration, a reminder planned, a
    cancellation, a message, an offer); `key` is unique, so the same news is never written twice
    for the same person, and the outbox marks it sent in one autocommitted statement before the
    SMTP server gets the end of the message (core.mailer), as appointment reminders are.
    """

    class Kind(models.TextChoices):
        CONFIRMED = "confirmed", _("Registration confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        UPDATED = "updated", _("Participants changed")
        REMINDER = "reminder", _("Reminder")
        CANCELLED = "cancelled", _("Registration cancelled")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        MESSAGE = "message", _("Message from the presenter")
        OFFER = "offer", _("Seats offered")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="notices"
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    message = models.ForeignKey(
        SessionMessage, verbose_name=_("message"), on_delete=models.CASCADE, null=True, blank=True
    )
    to_email = models.EmailField(_("to"))
    scheduled_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("session email")
        verbose_name_plural = _("session emails")
        ordering = ["scheduled_at", "pk"]
        indexes = [
            # The outbox's claim: pending rows by due time (group_sessions.outbox).
            models.Index(fields=["scheduled_at"], name="gs_notice_due", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return self.key
