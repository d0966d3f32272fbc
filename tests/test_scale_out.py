"""Scale out: two gunicorn instances and two Celery workers share one PostgreSQL and one Redis.

Web processes keep nothing of their own (sessions in the database and the Redis cache, no local
files), so a visitor signed in on one instance is signed in on the other, twenty simultaneous
bookings of one time through both instances make exactly one appointment, both instances list
the same appointments, and the confirmation email is sent once, by one of the two workers.
"""

import re
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse
from django.utils import translation

from appointments import selectors
from appointments.models import Appointment, Mode
from appointments.templatetags.booking import utc_param
from tests import factories
from tests.booking_helpers import open_weekdays
from tests.processes import (
    PrivateRedis,
    Sink,
    app_env,
    database_url,
    free_port,
    http_request,
    start_gunicorn,
    start_worker,
    stop,
    wait_for,
    wait_for_http,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "scale-out-pass-2026"
THREADS_PER_INSTANCE = 10
UUID = re.compile(r"/rendez-vous/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/")


def url(name: str) -> str:
    with translation.override("fr-ca"):
        return reverse(name)


def sign_in(port: int, email: str) -> dict:
    """Sign in through allauth's form on one instance; returns the cookies."""
    page = http_request(port, "GET", url("account_login"))
    assert page.status == 200
    cookies = page.cookies()
    response = http_request(
        port,
        "POST",
        url("account_login"),
        cookies=cookies,
        form={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": cookies["csrftoken"]},
    )
    assert response.status == 302, response.text[:500]
    cookies.update(response.cookies())
    assert "sessionid" in cookies
    return cookies


def listed_appointments(port: int, cookies: dict) -> set[str]:
    response = http_request(port, "GET", url("appointments:list"), cookies=cookies)
    assert response.status == 200
    return set(UUID.findall(response.text))


def test_two_instances_and_two_workers_share_sessions_bookings_and_emails():
    network = factories.small_network()
    open_weekdays(network.advisor_a)
    profile = factories.EmployerProfileFactory(company__municipality=network.municipality_a)
    employer = profile.user
    # The instances hash passwords with the production hashers (the tests' MD5 is not among them).
    hasher = PBKDF2PasswordHasher()
    employer.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    employer.save(update_fields=["password"])

    search = selectors.available_slots(
        topic=network.topic, mode=Mode.SERVICE_POINT, location=network.municipality_a
    )
    slot = search.groups[0].days[0][1][0]
    query = urlencode(
        {
            "topic": network.topic.code,
            "mode": Mode.SERVICE_POINT,
            "municipality": network.municipality_a.name,
        }
    )
    confirm = f"{url('appointments:confirm')}?{query}"

    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    broker = PrivateRedis()
    env = app_env(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=broker.url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        RATE_LIMIT_BOOKING_USER="1000/h",
    )
    ports = [free_port(), free_port()]
    processes = []
    started = time.monotonic()
    try:
        controller.start()
        broker.start()
        webs = [start_gunicorn(env, port, workers=2) for port in ports]
        processes += webs
        processes += [start_worker(env, "scale-a"), start_worker(env, "scale-b")]
        for port, web in zip(ports, webs, strict=True):
            wait_for_http(port, web)

        # Signed in on A, the same cookie is a signed-in session on B.
        cookies = sign_in(ports[0], employer.email)
        home_on_b = http_request(ports[1], "GET", url("accounts:home"), cookies=cookies)
        assert home_on_b.status == 200 and profile.company.legal_name in home_on_b.text

        # Twenty employers' tabs confirm the same time at once, ten through each instance.
        barrier = threading.Barrier(2 * THREADS_PER_INSTANCE)
        outcomes = Counter()
        lock = threading.Lock()

        def book(port: int) -> None:
            form = {
                "advisor": slot.advisor_id,
                "point": slot.service_point_id,
                "at": utc_param(slot.start),
                "key": str(uuid.uuid4()),  # each tab its own form: no idempotent replay
                "csrfmiddlewaretoken": cookies["csrftoken"],
            }
            try:
                barrier.wait(timeout=30)
                status = http_request(port, "POST", confirm, cookies=cookies, form=form).status
            except Exception as error:  # counted, and the assertion below shows it
                status = repr(error)
            with lock:
                outcomes[(port, status)] += 1

        threads = [
            threading.Thread(target=book, args=(port,)) for port in ports for _ in range(THREADS_PER_INSTANCE)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        statuses = Counter(status for (_, status), n in outcomes.items() for _ in range(n))
        assert statuses == {302: 1, 409: 2 * THREADS_PER_INSTANCE - 1}, outcomes
        assert {port for port, _ in outcomes} == set(ports)  # both instances answered
        booked = Appointment.objects.get()
        assert booked.starts_at == slot.start and booked.advisor_id == slot.advisor_id

        # Both instances list the same appointments.
        assert (
            listed_appointments(ports[0], cookies)
            == listed_appointments(ports[1], cookies)
            == {str(booked.uid)}
        )

        # One confirmation email, sent by one of the two workers.
        assert wait_for(lambda: sink.count() >= 1, timeout=30), "no confirmation email"
        time.sleep(1.5)  # a duplicate, if there were one, would arrive meanwhile
        assert sink.recipients() == {employer.email: 1}
        assert all(process.poll() is None for process in processes)
    finally:
        for process in processes:
            stop(process)
        broker.kill()
        controller.stop()
    assert time.monotonic() - started < 40
