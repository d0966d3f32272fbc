"""Text messages (SMS) to employer representatives who opted in.

`SmsContact` is one person's mobile number (E.164, Canadian) and their explicit consent: no row,
or a row without `opted_in_at`, means no text is ever sent to them. `SmsMessage` is one text of
one appointment to one person, written in the transaction of the change it tells (sms.planning)
and sent once by the worker (sms.sending); `DeliveryReceipt` is each status the provider reported
back (its signed callback). `MonthlyUsage` counts what the month's texts cost, against the cap.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SmsContact(models.Model):
    """A person's mobile number and what they agreed to receive by text."""

    class Reminders(models.TextChoices):
        ALL = "all", _("Every reminder")
        LAST = "last", _("Only the last reminder before the appointment")
        NONE = "none", _("No reminders by text")

    class OptOut(models.TextChoices):
        FORM = "form", _("On the preferences page")
        LINK = "link", _("With the link in a text")
        REPLY = "reply", _("By replying STOP")
        PROVIDER = "provider", _("Refused by the provider (STOP sent to it)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="sms_contact",
    )
    number = models.CharField(_("mobile number"), max_length=16, help_text=_("E.164, e.g. +18195550101."))
    # Consent: set when the person ticks the box, emptied when they stop texts (any channel).
    opted_in_at = models.DateTimeField(_("agreed to texts at"), null=True, blank=True)
    opted_out_at = models.DateTimeField(_("stopped texts at"), null=True, blank=True)
    opted_out_by = models.CharField(_("stopped"), max_length=10, choices=OptOut.choices, blank=True)
    changes = models.BooleanField(_("confirmations, changes and cancellations"), default=True)
    reminders = models.CharField(
        _("reminders"), max_length=4, choices=Reminders.choices, default=Reminders.ALL
    )
    # The provider said this number cannot receive texts (invalid, a landline): nothing is sent to
    # it until the person gives a number again.
    invalid_at = models.DateTimeField(_("number refused at"), null=True, blank=True)
    invalid_reason = models.CharField(_("why the number was refused"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("text message contact")
        verbose_name_plural = _("text message contacts")
        indexes = [
            # A reply (STOP) or the provider's opt-out names the number: sms.services.record_reply.
            models.Index(fields=["number"], name="sms_contact_number"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}"

    @property
    def can_receive(self) -> bool:
        return bool(self.number) and self.opted_in_at is not None and self.invalid_at is None


class SmsMessage(models.Model):
    """One text of one appointment to one person: planned, then sent once, then its receipts."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation")
        REMINDER = "reminder", _("Reminder")
        CHANGE = "change", _("Change of time")
        CANCELLATION = "cancellation", _("Cancellation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent, no receipt yet")
        DELIVERED = "delivered", pgettext_lazy("text message", "Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        FAILED = "failed", _("Refused")
        SKIPPED = "skipped", _("Not sent")
        UNKNOWN = "unknown", _("Outcome unknown")

    class Reason(models.TextChoices):
        """Why a text was not sent, or not delivered: what the adviser reads."""

        STARTED = "started", _("The appointment had started.")
        NOT_CONFIRMED = "not_confirmed", _("The appointment is no longer confirmed.")
        NOT_CANCELLED = "not_cancelled", _("The appointment is no longer cancelled.")
        NO_CONSENT = "no_consent", _("The person stopped texts or has no number that can receive them.")
        NOT_WANTED = "not_wanted", _("The person no longer wants this text.")
        QUIET_HOURS = "quiet_hours", _("Quiet hours (9 p.m. to 8 a.m.) last until the appointment.")
        SUPERSEDED = "superseded", _("A later change of the appointment replaced it.")
        CAP = "cap", _("The month's cost cap for texts is reached.")
        NUMBER_REFUSED = "number_refused", _("The number cannot receive texts; the person is told by email.")
        OPTED_OUT = "opted_out", _("The person replied STOP.")
        REFUSED = "refused", _("The provider refused the text.")
        NO_ANSWER = (
            "no_answer",
            _("The provider did not answer: the text may have been sent; it is not sent again."),
        )
        RETRYING = "retrying", _("The provider could not take it; it will be tried again.")
        REMOVED = "removed", _("The person removed their number.")

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    appointment = models.ForeignKey(
        "appointments.Appointment",
        verbose_name=_("appointment"),
        on_delete=models.CASCADE,
        related_name="sms_messages",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Reminders: minutes before the appointment (Topic.reminder_offsets_minutes); 0 otherwise.
    minutes_before = models.PositiveIntegerField(_("minutes before"), default=0)
    # What makes this text this one: a second planning of the same text finds it (unique).
    once_key = models.CharField(_("once key"), max_length=120, unique=True, editable=False)
    scheduled_at = models.DateTimeField(_("scheduled at"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    # A claim's lease, a retry's time, or (while sending) the sender's token: sms.sending.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    language = models.CharField(_("language"), max_length=8, blank=True)
    to = models.CharField(_("sent to"), max_length=16, blank=True)
    body = models.CharField(_("text"), max_length=500, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments"), default=0)
    encoding = models.CharField(_("encoding"), max_length=5, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=8, decimal_places=4, default=0)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    status_at = models.DateTimeField(_("status since"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["scheduled_at", "id"]
        indexes = [
            # The worker's claim: pending texts by due time (sms.sending.claim_due).
            models.Index(
                fields=["scheduled_at"], name="sms_pending_due", condition=models.Q(status="pending")
            ),
            # Texts whose sender died mid-send (sms.sending.sweep_stale_sending).
            models.Index(
                fields=["next_attempt_at"], name="sms_sending", condition=models.Q(status="sending")
            ),
            # A receipt names the provider's id (sms.services.record_receipt).
            models.Index(fields=["provider", "provider_id"], name="sms_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.appointment_id}"


# What a provider's receipt says, in our words (Twilio's MessageStatus, the gateway's status).
RECEIPT_LABELS = {
    "accepted": SmsMessage.Status.SENT,
    "queued": SmsMessage.Status.SENT,
    "sending": SmsMessage.Status.SENT,
    "sent": SmsMessage.Status.SENT,
    "delivered": SmsMessage.Status.DELIVERED,
    "undelivered": SmsMessage.Status.UNDELIVERED,
    "failed": SmsMessage.Status.UNDELIVERED,
}


class DeliveryReceipt(models.Model):
    """One status the provider reported for a message (its authenticated status callback)."""

    message = models.ForeignKey(
        SmsMessage, verbose_name=_("text message"), on_delete=models.CASCADE, related_name="receipts"
    )
    status = models.CharField(_("provider's status"), max_length=30)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")
        ordering = ["received_at", "id"]

    @property
    def label(self) -> str:
        """The status in the reader's language (a status we do not know: as the provider wrote it)."""
        status = RECEIPT_LABELS.get(self.status)
        if status == SmsMessage.Status.SENT:
            return str(_("Sent"))  # "sent, no receipt yet" is the message's state, not the receipt's
        return str(status.label) if status is not None else self.status


class MonthlyUsage(models.Model):
    """What the texts of one calendar month (UTC) cost: the counter the cap is checked against."""

    month = models.DateField(_("month"), unique=True)
    messages = models.PositiveIntegerField(_("texts"), default=0)
    segments = models.PositiveIntegerField(_("segments"), default=0)
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=4, default=0)
    refused = models.PositiveIntegerField(_("texts not sent: cap reached"), default=0)

    class Meta:
        verbose_name = _("monthly text message usage")
        verbose_name_plural = _("monthly text message usage")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
