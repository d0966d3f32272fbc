"""Reads of the webhooks: the gauges for /metrics."""

from django.db.models import Count, Q

from webhooks.models import Delivery, Endpoint


def delivery_gauges() -> list[tuple[str, str, float]]:
    pending = Delivery.objects.aggregate(
        pending=Count("pk", filter=Q(status=Delivery.Status.PENDING)),
        failing=Count("pk", filter=Q(status=Delivery.Status.PENDING, attempts__gt=0)),
    )
    disabled = Endpoint.objects.filter(is_active=False, disabled_at__isnull=False).count()
    return [
        ("midi_webhook_deliveries_pending", "Webhook deliveries not delivered yet.", pending["pending"]),
        (
            "midi_webhook_deliveries_retrying",
            "Webhook deliveries that failed at least once and will retry.",
            pending["failing"],
        ),
        ("midi_webhook_endpoints_disabled", "Webhook endpoints disabled after failing too long.", disabled),
    ]
