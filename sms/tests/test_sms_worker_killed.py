"""1 000 texts to a real gateway on loopback while the worker sending them is SIGKILLed: another
worker takes over; every person's phone gets each text exactly once (the gateway sends one text per
Idempotency-Key, as the protocol requires), none is lost, and each is recorded sent.
PostgreSQL, Redis, real Celery workers."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from appointments.models import Appointment, Mode
from midi_regions.celery import app
from sms.models import SmsContact, SmsMessage
from sms.tests.servers import Gateway
from tests import factories
from tests.processes import app_env, database_url, start_worker, stop, wait_for

TEXTS = 1000
LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def due_texts(count: int) -> list[SmsMessage]:
    network = factories.small_network()
    profile = factories.EmployerProfileFactory(company__municipality=network.municipality_a)
    SmsContact.objects.create(user=profile.user, number="+18195550101", opted_in_at=timezone.now())
    first = timezone.now() + timedelta(days=1)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            advisor=network.advisor_a,
            topic=network.topic,
            mode=Mode.PHONE,
            company=profile.company,
            booked_by=profile.user,
            municipality=network.municipality_a,
            starts_at=first + timedelta(hours=i),
            ends_at=first + timedelta(hours=i + 1),
        )
        for i in range(count)
    )
    return SmsMessage.objects.bulk_create(
        SmsMessage(
            appointment=a,
            user=profile.user,
            kind=SmsMessage.Kind.CONFIRMATION,
            once_key=f"killed:{a.pk}",
            scheduled_at=timezone.now() - timedelta(minutes=1),
            language="fr-ca",
        )
        for a in appointments
    )


def test_a_worker_killed_mid_run_neither_loses_nor_duplicates_a_text(settings):
    expected = {str(m.uid) for m in due_texts(TEXTS)}
    with Gateway() as gateway:
        env = app_env(
            DATABASE_URL=database_url(connection.settings_dict),
            REDIS_URL=settings.REDIS_URL,
            SMS_PROVIDER="http",
            SMS_HTTP_URL=gateway.url,
            SMS_HTTP_TOKEN=gateway.token,
            SMS_HTTP_CALLBACK_SECRET="s",
            SMS_TIMEOUT_SECONDS="1",
            SMS_LEASE_SECONDS=str(LEASE_SECONDS),
            SMS_MONTHLY_CAP="1000000",
            # No quiet hours for this test: it must not depend on the hour it runs at.
            SMS_QUIET_FROM_HOUR="24",
            SMS_QUIET_UNTIL_HOUR="0",
        )
        queue = f"sms-killed-{os.getpid()}"
        drain = {"budget_seconds": 60, "batch_size": 50, "lease_seconds": LEASE_SECONDS}
        workers = []
        try:
            workers.append(start_worker(env, "first", queue))
            app.send_task("sms.send_due", kwargs=drain, queue=queue)
            assert wait_for(lambda: len(gateway.phone) >= TEXTS // 4, timeout=60), "nothing was sent"
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            assert len(gateway.phone) < TEXTS, "killed too late to prove anything"

            time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's claims run out
            workers.append(start_worker(env, "second", queue))
            app.send_task("sms.send_due", kwargs=drain, queue=queue)
            assert wait_for(
                lambda: not SmsMessage.objects.exclude(status=SmsMessage.Status.SENT).exists(), timeout=90
            ), "texts still not sent"
            time.sleep(0.5)  # let a straggler arrive
        finally:
            for worker in workers:
                stop(worker)
    assert set(gateway.phone) == expected  # none lost, nothing else
    assert set(gateway.phone.values()) == {1}  # each phone got each text once
    asked_twice = len(gateway.requests) - TEXTS
    assert 0 <= asked_twice <= 1  # only the one in flight when the worker died was asked again
    assert SmsMessage.objects.filter(status=SmsMessage.Status.SENT).count() == TEXTS
    from sms.models import MonthlyUsage

    assert sum(MonthlyUsage.objects.values_list("messages", flat=True)) == TEXTS  # counted once each
