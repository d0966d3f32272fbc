"""Outbound webhooks: partner systems registered by an administrator receive signed events.

An `Endpoint` is a partner's URL, its signing secret, the event types it wants and the scope of
personal data its payloads may carry. Each event a partner wants is one `Delivery` row, written
in the same transaction as the change it reports (webhooks.events): a change that rolls back
sends nothing, a committed one is never lost. Deliveries are sent in order per object and
endpoint, retried with exponential backoff, and every attempt is kept (`DeliveryAttempt`): the
administrator sees what was sent, what came back and how long it took.
"""

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class EventType(models.TextChoices):
    APPOINTMENT_BOOKED = "appointment.booked", _("Appointment booked")
    APPOINTMENT_RESCHEDULED = "appointment.rescheduled", _("Appointment moved to another time")
    APPOINTMENT_REASSIGNED = "appointment.reassigned", _("Appointment given to another adviser")
    APPOINTMENT_CANCELLED = "appointment.cancelled", _("Appointment cancelled")
    APPOINTMENT_COMPLETED = "appointment.completed", _("Appointment held")
    APPOINTMENT_NO_SHOW = "appointment.no_show", _("Employer did not come")
    REQUEST_ROUTED = "request.routed", _("Consultation request routed to an adviser")
    REQUEST_ESCALATED = "request.escalated", _("Consultation request escalated")


class Scope(models.TextChoices):
    """What a payload may say about the company (Law 25: only what the partner needs)."""

    MINIMAL = "minimal", _("No company identity: references, topic, times, places and status only")
    COMPANY = "company", _("Also the company's enterprise number (NEQ) and legal name")


class Endpoint(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=80,
        default=new_secret,
        help_text=_("Give it to the partner: they check each delivery's signature with it."),
    )
    events = models.JSONField(_("events"), default=list, help_text=_("The event types sent to this URL."))
    scope = models.CharField(_("personal data"), max_length=10, choices=Scope.choices, default=Scope.MINIMAL)
    is_active = models.BooleanField(_("active"), default=True)
    # Since when every attempt has failed (None: the last one succeeded); after
    # WEBHOOK_DISABLE_AFTER of failures the endpoint is disabled and the administrators told.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.events


class Delivery(models.Model):
    """One event for one endpoint: sent until the endpoint answers 2xx, or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    # "appointment:<uid>": the events of one object reach an endpoint in the order they happened.
    object_key = models.CharField(_("object"), max_length=80)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_event_once_per_endpoint"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_pending_due", condition=models.Q(status="pending")
            ),
            models.Index(fields=["endpoint", "object_key", "id"], name="webhook_object_order"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: the delivery log an administrator reads."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("response time (ms)"))
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at"]
