"""Redis restarted during a run: nothing lost, the work resumes (PostgreSQL, a private Redis,
a real worker process, a real SMTP server).

A private redis-server without persistence is SIGKILLed while the worker is busy in a task (the
SMTP server holds the "request assigned" email of the first request) and the routing messages of
the other requests and a beat run of the reminders wait behind it in the queue: the restart loses
every queued message, and the one being worked on. The same worker, never restarted, reconnects;
what the beat runs next (re-queue requests still NEW after two minutes, send due reminders)
finishes the work from the database, which is the source of truth: every request is routed once,
every reminder and every routing email reaches the SMTP server once.

Redis down while an employer books: the pages are served (the cache answers as a miss, the
session comes from the database), the booking is made, and its confirmation email, which the
broker refused after the commit, is kept in the database and sent once Redis is back.
"""

import asyncio
import email
import email.header
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, Mode, Reminder
from appointments.templatetags.booking import utc_param
from consultations import routing
from consultations.models import ConsultationRequest, RoutingDecision
from consultations.services import RequestData, create_request
from core.models import UnsentTask
from midi_regions.celery import app
from tests import factories
from tests.booking_helpers import due_reminders, staff
from tests.processes import PrivateRedis, Sink, app_env, database_url, free_port, start_worker, stop, wait_for

REQUESTS = 30
REMINDERS = 30
QUEUE = "celery"  # the default queue: every task of the app goes there

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


class HoldingSink:
    """An SMTP server counting reminders (X-Reminder) and other messages (routing emails); until
    released, it does not answer the end of DATA, so the worker sending stays busy in its task."""

    def __init__(self):
        self.reminders = Counter()
        self.others = 0
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.holding = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        reminder = email.message_from_bytes(envelope.content)["X-Reminder"]
        with self.lock:
            if reminder is None:
                self.others += 1
            else:
                self.reminders[reminder] += 1
        while not self.released.is_set():
            self.holding.set()
            await asyncio.sleep(0.02)
        return "250 Message accepted"

    def reminders_received(self) -> int:
        with self.lock:
            return sum(self.reminders.values())

    def others_received(self) -> int:
        with self.lock:
            return self.others


@contextmanager
def celery_on(url: str):
    """The test process's Celery app publishes to `url` for real (not eagerly), then goes back."""
    saved = {
        "broker_url": app.conf.broker_url,
        "result_backend": app.conf.result_backend,
        "task_always_eager": app.conf.task_always_eager,
        "task_eager_propagates": app.conf.task_eager_propagates,
    }
    cached = (app._pool, app.amqp._producer_pool, app._backend_cache, app._local)

    def forget_connections():
        app._pool = None
        app.amqp._producer_pool = None
        app._backend_cache = None
        app._local = threading.local()

    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, task_eager_propagates=False)
    forget_connections()
    try:
        yield
    finally:
        backend = app._backend
        with suppress(Exception):  # the private Redis may be gone already
            if backend is not None:
                backend.result_consumer.stop()
                backend.client.connection_pool.disconnect()
            if app._pool is not None:
                app._pool.force_close_all()
        app.conf.update(saved)
        app._pool, app.amqp._producer_pool, app._backend_cache, app._local = cached


def test_a_redis_restart_loses_no_routing_and_no_reminder():
    network = factories.small_network()
    staff(network.advisor_a)
    staff(network.advisor_b)
    employer = factories.EmployerProfileFactory(company__municipality=network.municipality_a)
    expected_reminders = {str(r.pk) for r in due_reminders(network, employer.user, REMINDERS)}

    def ask(i: int) -> ConsultationRequest:
        return create_request(
            company=employer.company,
            user=employer.user,
            data=RequestData(
                topic=network.topic,
                mode=Mode.PHONE,
                municipality=network.municipality_a if i % 2 else network.municipality_b,
                language="fr",
                preferred_weekdays=[0, 2],
                preferred_time=ConsultationRequest.TimeOfDay.ANY,
                message=f"Demande {i}",
            ),
        )

    def new_requests():
        return ConsultationRequest.objects.filter(status=ConsultationRequest.Status.NEW)

    sink = HoldingSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    broker = PrivateRedis()
    env = app_env(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=broker.url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
    )
    drain = {"budget_seconds": 30, "batch_size": 10, "lease_seconds": 30}
    worker = None
    started = time.monotonic()
    try:
        broker.start()
        with celery_on(broker.url):
            worker = start_worker(env, "redis-restart", QUEUE)

            # The first request is routed; the SMTP server holds the adviser's email, so the
            # (solo) worker is busy in the middle of a task.
            first = ask(0)
            assert sink.holding.wait(timeout=30), "the first request was not routed"
            assert ConsultationRequest.objects.get(pk=first.pk).status == ConsultationRequest.Status.ASSIGNED

            # More employers ask meanwhile: their routing messages wait in Redis, with the beat's
            # run of the reminders.
            for i in range(1, REQUESTS):
                ask(i)
            app.send_task("appointments.send_due_reminders", kwargs=drain, queue=QUEUE)
            assert broker.client.llen(QUEUE) == REQUESTS  # REQUESTS - 1 routings + the reminders
            assert broker.client.hlen("unacked") == 1  # the email being sent

            # Redis dies and comes back empty.
            broker.kill()
            broker.start()
            assert broker.client.llen(QUEUE) == 0
            assert not broker.client.exists("unacked")
            assert new_requests().count() == REQUESTS - 1
            assert not Reminder.objects.exclude(status=Reminder.Status.PENDING).exists()

            # The held email is answered: the worker finishes its task, then reconnects to Redis.
            sink.released.set()

            # What the beat runs next (escalate_overdue_requests five minutes later: the requests
            # are then more than two minutes old; send_due_reminders every minute).
            assert routing.requeue_unrouted(now=timezone.now() + timedelta(minutes=3)) == REQUESTS - 1
            app.send_task("appointments.send_due_reminders", kwargs=drain, queue=QUEUE)

            def done() -> bool:
                return (
                    not new_requests().exists()
                    and not Reminder.objects.filter(status=Reminder.Status.PENDING).exists()
                    and sink.reminders_received() >= REMINDERS
                    and sink.others_received() >= REQUESTS
                )

            assert wait_for(done, timeout=40), (
                f"the work did not resume: {new_requests().count()} requests still new, "
                f"{Reminder.objects.filter(status=Reminder.Status.PENDING).count()} reminders pending, "
                f"{sink.reminders_received()} reminders and {sink.others_received()} other emails received"
            )
            time.sleep(1)  # let any straggler (a duplicate, if there were one) arrive
            assert worker.poll() is None, "the worker died with Redis"
    finally:
        sink.released.set()
        if worker is not None:
            stop(worker)
        broker.kill()
        controller.stop()
    elapsed = time.monotonic() - started

    requests = ConsultationRequest.objects.all()
    assert requests.count() == REQUESTS
    assert set(requests.values_list("status", flat=True)) == {ConsultationRequest.Status.ASSIGNED}
    assert set(requests.values_list("hops", flat=True)) == {1}
    decisions = Counter(RoutingDecision.objects.values_list("request_id", "hop"))
    assert decisions == Counter({(pk, 1): 1 for pk in requests.values_list("pk", flat=True)})
    assert sink.others_received() == REQUESTS  # one "request assigned" email per decision

    duplicates = {reminder: n for reminder, n in sink.reminders.items() if n > 1}
    assert duplicates == {}
    assert set(sink.reminders) == expected_reminders  # none missing, nothing else
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == REMINDERS
    assert elapsed < 60


def test_a_booking_while_redis_is_down_succeeds_and_its_email_is_sent_once_redis_is_back(client, settings):
    network = factories.small_network()
    staff(network.advisor_a)
    employer = factories.EmployerProfileFactory(company__municipality=network.municipality_a).user
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    broker = PrivateRedis()
    broker.start()
    # The test process's cache (sessions, users, pages, rate limits) and broker: the private Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": broker.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    env = app_env(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=broker.url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
    )
    search = {"topic": network.topic.code, "mode": Mode.PHONE, "municipality": network.municipality_a.name}
    worker = None
    try:
        with celery_on(broker.url):
            client.force_login(employer)  # the session is in the database and in Redis
            broker.kill()

            assert client.get(reverse("appointments:book")).status_code == 200
            slots = client.get(reverse("appointments:slots"), search)
            assert slots.status_code == 200
            slot = slots.context["search"].groups[0].days[0][1][0]
            started = time.monotonic()
            booked = client.post(
                f"{reverse('appointments:confirm')}?{urlencode(search)}",
                {
                    "advisor": slot.advisor_id,
                    "point": slot.service_point_id or "",
                    "at": utc_param(slot.start),
                    "key": uuid.uuid4(),
                    "phone": "819 555-0101",  # a phone consultation asks for the number to call
                },
            )
            assert booked.status_code == 302, booked.context.get("error")
            assert time.monotonic() - started < 5  # the broker's refusal costs well under a second
            appointment = Appointment.objects.get()
            assert booked.url == reverse("appointments:detail", args=[appointment.uid])
            assert client.get(booked.url).status_code == 200
            kept = UnsentTask.objects.get()
            assert kept.task == "appointments.send_appointment_email"
            assert kept.args == [appointment.pk, "confirmed", appointment.sequence]

            # Redis is back (empty); a worker; the beat's sweep a minute later.
            broker.start()
            worker = start_worker(env, "redis-restart", QUEUE)
            app.send_task("midi_regions.resend_unsent_tasks", queue=QUEUE)
            assert wait_for(lambda: sink.count() >= 1, timeout=30), "the confirmation was not sent"
            assert not UnsentTask.objects.exists()
            app.send_task("midi_regions.resend_unsent_tasks", queue=QUEUE)  # the next sweep: nothing
            app.send_task("midi_regions.echo", args=["after"], queue=QUEUE).get(timeout=30)
            time.sleep(0.5)
    finally:
        if worker is not None:
            stop(worker)
        broker.kill()
        controller.stop()
    assert sink.recipients() == {employer.email: 1}
    subject = str(email.header.make_header(email.header.decode_header(sink.messages[0]["Subject"])))
    assert "confirm" in subject.lower()  # "Rendez-vous confirmé – …", encoded as its accents ask
