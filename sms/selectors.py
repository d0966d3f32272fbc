"""Reads of the texts: the adviser's panel on an appointment, a person's contact, the gauges."""

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from sms.models import MonthlyUsage, SmsContact, SmsMessage


def contact_of(user) -> SmsContact | None:
    return SmsContact.objects.filter(user=user).first()


def masked_number(number: str) -> str:
    """What staff see of an employer's mobile number: its last four digits."""
    return f"••• ••• {number[-4:]}" if number else ""


def messages_for(appointment) -> list[SmsMessage]:
    """The appointment's texts with their receipts (2 queries), newest first, for the adviser."""
    messages = list(
        SmsMessage.objects.filter(appointment=appointment)
        .select_related("user")
        .prefetch_related("receipts")
        .order_by("-scheduled_at", "-id")
    )
    for message in messages:
        message.masked_to = masked_number(message.to)
    return messages


def sms_gauges() -> list[tuple[str, str, float]]:
    now = timezone.now()
    usage = MonthlyUsage.objects.filter(month=now.date().replace(day=1)).first()
    waiting = SmsMessage.objects.aggregate(
        pending=Count("pk", filter=Q(status=SmsMessage.Status.PENDING)),
        due=Count("pk", filter=Q(status=SmsMessage.Status.PENDING, scheduled_at__lte=now)),
    )
    return [
        ("midi_sms_pending", "Texts waiting to be sent (due or later).", waiting["pending"]),
        ("midi_sms_due", "Texts whose time has come, not sent yet.", waiting["due"]),
        (
            "midi_sms_month_cost_dollars",
            "What this month's texts cost so far (dollars).",
            float(usage.cost if usage else 0),
        ),
        ("midi_sms_month_segments", "SMS segments sent this month.", usage.segments if usage else 0),
        (
            "midi_sms_month_cap_dollars",
            "The month's cost cap for texts (dollars, SMS_MONTHLY_CAP).",
            float(settings.SMS_MONTHLY_CAP),
        ),
        (
            "midi_sms_month_refused",
            "Texts not sent this month because the cap was reached.",
            usage.refused if usage else 0,
        ),
    ]
