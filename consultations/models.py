"""Consultation requests: when no offered time suits, an employer asks to be contacted; the
request is routed to an adviser, who proposes times or books one."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, Mode, TimeOfDay, Topic, zone_of_meeting


class ConsultationRequest(models.Model):
    """An employer's request for a consultation when no slot suits, routed to an adviser."""

    class Status(models.TextChoices):
        NEW = "new", _("Waiting for routing")
        ASSIGNED = "assigned", _("Waiting for the adviser")
        PROPOSED = "proposed", _("Times proposed")
        BOOKED = "booked", _("Booked")
        MANAGER = "manager", _("With the regional manager")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Origin(models.TextChoices):
        EMPLOYER = "employer", _("Filed by the employer")
        REFERRAL = "referral", _("Referral from a partner organisation")

    OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.PROPOSED, Status.MANAGER)

    TimeOfDay = TimeOfDay

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="consultation_requests",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="requests"
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    municipality = models.ForeignKey(
        "service_points.Municipality",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    language = models.CharField(_("language of the consultation"), max_length=8, default="fr")
    preferred_weekdays = models.JSONField(_("preferred days"), default=list, blank=True)
    preferred_time = models.CharField(
        _("preferred time"), max_length=10, choices=TimeOfDay.choices, default=TimeOfDay.ANY
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    # The number to call for a phone consultation, E.164 ("+18195550101", core.phones); empty for other
    # modes and for rows made before it was asked. db_default: a running older version inserts
    # rows without this column.
    contact_phone = models.CharField(
        _("number to call"), max_length=30, blank=True, default="", db_default=""
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    # Who started it: the employer, or a partner's referral (referrals app), which routing records
    # as its reason. db_default: the running release inserts requests without it.
    origin = models.CharField(
        _("origin"),
        max_length=10,
        choices=Origin.choices,
        default=Origin.EMPLOYER,
        db_default=Origin.EMPLOYER,
    )
    assigned_advisor = models.ForeignKey(
        "advisors.Advisor",
        verbose_name=_("assigned adviser"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    assigned_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("regional manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_requests",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    hops = models.PositiveSmallIntegerField(_("routing hops"), default=0)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    appointment = models.OneToOneField(
        Appointment,
        verbose_name=_("appointment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="request",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "appointments_consultationrequest"
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["assigned_advisor", "status"], name="request_advisor_status"),
            models.Index(fields=["status", "due_at"], name="request_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} – {self.company}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ProposedTime(models.Model):
    """A time the assigned adviser proposes for a request; the employer books one of them."""

    request = models.ForeignKey(
        ConsultationRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="proposals"
    )
    advisor = models.ForeignKey("advisors.Advisor", verbose_name=_("adviser"), on_delete=models.CASCADE)
    service_point = models.ForeignKey(
        "service_points.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    starts_at = models.DateTimeField(_("starts at"))

    class Meta:
        db_table = "appointments_proposedtime"
        verbose_name = _("proposed time")
        verbose_name_plural = _("proposed times")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "starts_at"], name="proposal_once_per_time"),
        ]

    @property
    def time_zone(self) -> str:
        """The zone the employer reads this time in: that of the meeting it would make."""
        return zone_of_meeting(
            mode=self.request.mode, point=self.service_point, location=self.request.municipality
        )


class RoutingDecision(models.Model):
    """Why a request went where it went: one row per hop, never rewritten.

    `candidates` keeps what was weighed: [{"advisor": id, "name": str, "distance_km": float,
    "load": int}, ...] nearest first. The unique (request, hop) makes a second routing of the
    same hop impossible, whichever worker runs it.

    Who decided: `actor`, the person whose action it records (the adviser who declined, the
    manager or administrator who reassigned), set by the service acting for them; empty when the
    router decided alone, and then `reason` names the rule it applied (BY_A_PERSON says which
    reasons are a person's).
    """

    class Reason(models.TextChoices):
        NEAREST = "nearest", _("Nearest qualified adviser")
        TIE_BY_LOAD = "tie_by_load", _("Tie on distance, lighter caseload")
        SLA_ESCALATION = "sla", _("Answer overdue: next nearest adviser")
        NO_CANDIDATE = "no_candidate", _("No adviser covers this topic, language and mode")
        MAX_HOPS = "max_hops", _("Answer overdue too many times: regional manager")
        CONTINUITY = "continuity", _("The adviser who served the company last, with a similar caseload")
        CANDIDATES_EXHAUSTED = "exhausted", _("Every qualified adviser was tried: regional manager")
        DECLINED = "declined", _("Declined by the adviser: next nearest adviser")
        DECLINED_TO_MANAGER = "declined_manager", _("Declined by the adviser: regional manager")
        REASSIGNED = "reassigned", _("Reassigned by the regional manager")
        REFERRAL = "referral", _("Referral from a partner organisation: nearest qualified adviser")

    # Reasons that record a person's action: their decisions carry an actor (decisions written
    # before the actor was recorded have none: "not recorded"). Every other reason is a rule of
    # the router, applied on its own.
    BY_A_PERSON = frozenset({Reason.DECLINED, Reason.DECLINED_TO_MANAGER, Reason.REASSIGNED})

    request = models.ForeignKey(
        ConsultationRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="decisions"
    )
    hop = models.PositiveSmallIntegerField(_("hop"))
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    chosen_advisor = models.ForeignKey(
        "advisors.Advisor",
        verbose_name=_("chosen adviser"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_decisions",
    )
    chosen_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("regional manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_decisions",
    )
    # No index: nothing reads decisions by person, and the people who act here (advisers,
    # managers, administrators) are deactivated, not deleted (the table is big).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    candidates = models.JSONField(_("candidates considered"), default=list)
    note = models.CharField(_("reason given"), max_length=300, blank=True)

    class Meta:
        db_table = "appointments_routingdecision"
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")
        ordering = ["request", "hop"]
        constraints = [models.UniqueConstraint(fields=["request", "hop"], name="routing_once_per_hop")]

    @property
    def decided_by_router(self) -> bool:
        """The router applied a rule (`reason`) on its own: nobody acted."""
        return self.reason not in self.BY_A_PERSON

    @property
    def event_label(self) -> str:
        """What happened to the request, in a few words (the reason says why)."""
        return str(EVENTS[self.reason])


_Reason = RoutingDecision.Reason
EVENTS = {
    _Reason.NEAREST: _("Request assigned"),
    _Reason.TIE_BY_LOAD: _("Request assigned"),
    _Reason.CONTINUITY: _("Request assigned"),
    _Reason.SLA_ESCALATION: _("Request passed on: answer overdue"),
    _Reason.NO_CANDIDATE: _("Request sent to the regional manager"),
    _Reason.MAX_HOPS: _("Request sent to the regional manager"),
    _Reason.CANDIDATES_EXHAUSTED: _("Request sent to the regional manager"),
    _Reason.DECLINED: _("Request declined and passed on"),
    _Reason.DECLINED_TO_MANAGER: _("Request declined and sent to the regional manager"),
    _Reason.REASSIGNED: _("Request reassigned"),
    _Reason.REFERRAL: _("Request assigned"),
}
