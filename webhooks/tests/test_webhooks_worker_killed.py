"""1 000 events to a real receiver while the worker sending them is SIGKILLed: another worker
takes over; the receiver gets every event (0 losses) and at most the one that was in flight
twice, with the same Webhook-Id (receivers de-duplicate on it). PostgreSQL, Redis, real workers."""

import os
import signal
import time

import pytest
from django.db import connection

from midi_regions.celery import app
from tests.processes import app_env, database_url, start_worker, stop, wait_for
from webhooks.models import Delivery, Endpoint, EventType
from webhooks.tests.receiver import Receiver

EVENTS = 1000
LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_killed_mid_run_loses_no_event(settings):
    with Receiver() as receiver:
        endpoint = Endpoint.objects.create(
            name="Partenaire", url=receiver.url, events=[EventType.REQUEST_ROUTED]
        )
        receiver.secret = endpoint.secret
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                endpoint=endpoint,
                event_type=EventType.REQUEST_ROUTED,
                object_key=f"request:{n}",
                payload={"id": f"event-{n}", "type": "request.routed", "data": {"n": n}},
            )
            for n in range(EVENTS)
        )
        expected = {d.payload["id"] for d in deliveries}
        env = app_env(
            DATABASE_URL=database_url(connection.settings_dict),
            REDIS_URL=settings.REDIS_URL,
            WEBHOOK_ALLOW_PRIVATE_ADDRESSES="1",
            WEBHOOK_LEASE_SECONDS=str(LEASE_SECONDS),
        )
        queue = f"webhooks-killed-{os.getpid()}"
        workers = []
        try:
            workers.append(start_worker(env, "first", queue))
            app.send_task("webhooks.deliver_endpoint", args=[endpoint.pk], queue=queue)
            assert wait_for(lambda: len(receiver.accepted()) >= EVENTS // 4, timeout=60), "nothing was sent"
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            assert len(receiver.accepted()) < EVENTS, "killed too late to prove anything"

            time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's claim runs out
            workers.append(start_worker(env, "second", queue))
            app.send_task("webhooks.deliver_endpoint", args=[endpoint.pk], queue=queue)
            assert wait_for(
                lambda: not Delivery.objects.filter(status=Delivery.Status.PENDING).exists(), timeout=90
            ), "deliveries still pending"
            time.sleep(0.5)  # let a straggler arrive
        finally:
            for worker in workers:
                stop(worker)
    assert all(r["valid"] for r in receiver.received)
    assert set(receiver.ids) == expected  # none lost, nothing else
    twice = {event: n for event, n in receiver.ids.items() if n > 1}
    assert len(twice) <= 1 and all(n == 2 for n in twice.values()), twice  # only the one in flight
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == EVENTS
