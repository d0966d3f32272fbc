"""Changes in the other apps become webhook deliveries, in the transaction that made them.

The appointments' audit trail (`AppointmentEvent`) and the routing decisions (`RoutingDecision`)
are written by the services inside their transactions, once per change; a `post_save` of a new
row writes one `Delivery` per active endpoint that wants that event type, in the same transaction,
and asks for a prompt send after the commit. Nothing above this app is imported by the apps it
listens to (signals, not calls).
"""

import uuid

from django.db.models.signals import post_save
from django.utils import timezone

from appointments.models import AppointmentEvent
from consultations.models import RoutingDecision
from core.queue import enqueue
from webhooks import payloads
from webhooks.models import Delivery, Endpoint, EventType

APPOINTMENT_EVENTS = {
    AppointmentEvent.Action.BOOKED: EventType.APPOINTMENT_BOOKED,
    AppointmentEvent.Action.RESCHEDULED: EventType.APPOINTMENT_RESCHEDULED,
    AppointmentEvent.Action.REASSIGNED: EventType.APPOINTMENT_REASSIGNED,
    AppointmentEvent.Action.CANCELLED: EventType.APPOINTMENT_CANCELLED,
    AppointmentEvent.Action.COMPLETED: EventType.APPOINTMENT_COMPLETED,
    AppointmentEvent.Action.NO_SHOW: EventType.APPOINTMENT_NO_SHOW,
}
ESCALATIONS = frozenset(
    {
        RoutingDecision.Reason.SLA_ESCALATION,
        RoutingDecision.Reason.MAX_HOPS,
        RoutingDecision.Reason.CANDIDATES_EXHAUSTED,
    }
)


def record(event_type: str, object_key: str, build) -> int:
    """One delivery per endpoint that wants `event_type`; `build(scope)` makes its payload."""
    endpoints = [e for e in Endpoint.objects.filter(is_active=True) if e.wants(event_type)]
    if not endpoints:
        return 0
    now = timezone.now()
    event_id = uuid.uuid4()  # the same event has the same id at every endpoint
    Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint,
            event_id=event_id,
            event_type=event_type,
            object_key=object_key,
            payload={
                "id": str(event_id),
                "type": event_type,
                "created_at": now.isoformat().replace("+00:00", "Z"),
                "data": build(endpoint.scope),
            },
            created_at=now,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    for endpoint in endpoints:
        enqueue("webhooks.deliver_endpoint", endpoint.pk)
    return len(endpoints)


def on_appointment_event(sender, instance: AppointmentEvent, created: bool, raw: bool = False, **kwargs):
    event_type = APPOINTMENT_EVENTS.get(instance.action)
    if not created or raw or event_type is None:
        return
    record(
        event_type,
        f"appointment:{instance.appointment.uid}",
        lambda scope: payloads.appointment(instance, scope),
    )


def on_routing_decision(sender, instance: RoutingDecision, created: bool, raw: bool = False, **kwargs):
    if not created or raw:
        return
    event_type = EventType.REQUEST_ESCALATED if instance.reason in ESCALATIONS else EventType.REQUEST_ROUTED
    record(event_type, f"request:{instance.request.uid}", lambda scope: payloads.request(instance, scope))


def connect() -> None:
    post_save.connect(on_appointment_event, sender=AppointmentEvent, dispatch_uid="webhooks.appointment")
    post_save.connect(on_routing_decision, sender=RoutingDecision, dispatch_uid="webhooks.routing")
