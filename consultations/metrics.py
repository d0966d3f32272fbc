"""Routing metrics: decisions by reason, SLA breaches, and requests overdue (read at scrape time)."""

from django.db.models.signals import post_save
from django.utils import timezone
from prometheus_client import Counter

from consultations.models import ConsultationRequest, RoutingDecision

ROUTING_DECISIONS = Counter(
    "midi_routing_decisions",
    "Routing decisions recorded (RoutingDecision rows), by reason.",
    ["reason"],
)
SLA_BREACHES = Counter(
    "midi_routing_sla_breaches",
    "Requests escalated because the adviser's answer was overdue (to the next adviser or the manager).",
)
# Routing reasons that mean an answer deadline passed (consultations.routing.escalate_request).
SLA_BREACH_REASONS = frozenset({"sla", "max_hops", "exhausted"})


def _routing_decided(sender, instance, created, raw=False, **kwargs):
    # Counted when the row is written. Two workers deciding one hop: the loser's INSERT fails
    # (unique request + hop) before post_save, so it is not counted. Not after the commit: an
    # on_commit callback per decision would run beside the emails the tests count.
    if created and not raw:
        ROUTING_DECISIONS.labels(instance.reason).inc()
        if instance.reason in SLA_BREACH_REASONS:
            SLA_BREACHES.inc()


def connect() -> None:
    """Count routing decisions as their rows are created (called from the app's ready())."""
    post_save.connect(
        _routing_decided, sender=RoutingDecision, weak=False, dispatch_uid="midi-metrics-routing"
    )


def requests_overdue(now=None) -> list[tuple[str, str, int]]:
    """Requests waiting for an adviser's answer past their deadline: one query on a status index."""
    overdue = ConsultationRequest.objects.filter(
        status=ConsultationRequest.Status.ASSIGNED, due_at__lte=now or timezone.now()
    ).count()
    return [
        (
            "midi_requests_overdue",
            "Requests waiting for an adviser's answer past their deadline (escalation pending).",
            overdue,
        )
    ]
