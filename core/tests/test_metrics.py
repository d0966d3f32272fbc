"""/metrics: who may scrape it, and the figures moving with what the site does."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families

from appointments import reminders
from appointments.models import Mode
from consultations import routing
from consultations.models import ConsultationRequest
from core import metrics
from core.logs import RequestIdMiddleware
from midi_regions.celery import app
from tests.booking_helpers import book_via_web, make_request, search_params, tuesday

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-" + "x" * 40
OUTSIDER = "203.0.113.9"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def scrape(client=None) -> dict:
    """{(sample name, frozenset of labels): value} from a real GET /metrics."""
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# Who may scrape ----------------------------------------------------------------------------------


def test_metrics_are_a_plain_404_for_other_networks_without_the_token(settings):
    settings.METRICS_TOKEN = TOKEN
    outsider = Client(REMOTE_ADDR=OUTSIDER)
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}):
        response = outsider.get("/metrics", **headers)
        assert response.status_code == 404
        assert b"midi_" not in response.content  # the site's ordinary 404 page


def test_no_token_configured_means_no_token_accepted(settings):
    settings.METRICS_TOKEN = ""
    response = Client(REMOTE_ADDR=OUTSIDER).get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404


def test_the_token_opens_metrics_from_anywhere(settings):
    settings.METRICS_TOKEN = TOKEN
    response = Client(REMOTE_ADDR=OUTSIDER).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert b"midi_reminders_due" in response.content


def test_allowed_networks_are_configurable_and_replace_loopback(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]
    assert Client(REMOTE_ADDR="10.20.30.40").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::ffff:10.1.1.1").get("/metrics").status_code == 200  # IPv4-mapped
    assert Client(REMOTE_ADDR="2001:db8::5").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="11.0.0.1").get("/metrics").status_code == 404


def test_a_request_relayed_by_a_proxy_needs_the_token(settings):
    # Behind the proxy every visitor has the proxy's address, which may sit in an allowed network.
    settings.METRICS_TOKEN = TOKEN
    relayed = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)
    assert relayed.get("/metrics").status_code == 404
    assert relayed.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_metrics_are_not_under_the_language_prefix():
    assert Client().get("/en/metrics").status_code == 404


def test_a_bad_network_in_the_environment_fails_at_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
            "SECRET_KEY": "x",
            "METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,not-a-network",
            "CELERY_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS" in result.stderr


# What moves ----------------------------------------------------------------------------------------


def test_a_slot_search_and_a_booking_move_their_metrics(client_for, employer_a, employer_b, bookable):
    before = scrape()
    client = client_for(employer_a)
    assert client.get(reverse("appointments:slots"), search_params(bookable)).status_code == 200
    assert book_via_web(client, bookable, tuesday(10, 30)).status_code == 302
    # Taken meanwhile: refused (and the 409 page searches again for other times).
    assert book_via_web(client_for(employer_b), bookable, tuesday(10, 30)).status_code == 409
    after = scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # At least these two searches (the results page, the 409 page): a search still being served to
    # an earlier test's browser by its live server, in this process, may land in the same counter.
    assert moved("midi_slot_search_duration_seconds_count", mode=Mode.SERVICE_POINT) >= 2
    assert moved("midi_slot_search_duration_seconds_sum", mode=Mode.SERVICE_POINT) > 0
    assert moved("midi_bookings_total", outcome="booked", reason="") == 1
    assert moved("midi_bookings_total", outcome="refused", reason="slot_taken") == 1
    page = {"view": "appointments:slots", "method": "GET", "status": "2xx"}
    assert moved("midi_http_request_duration_seconds_count", **page) == 1
    assert moved("midi_http_request_duration_seconds_bucket", le="+Inf", **page) == 1
    confirm = {"view": "appointments:confirm", "method": "POST"}
    assert moved("midi_http_request_duration_seconds_count", status="3xx", **confirm) == 1
    assert moved("midi_http_request_duration_seconds_count", status="4xx", **confirm) == 1
    # Labelled by view name, never by path: no label value carries a URL.
    assert not any("/" in v for key in after for _, v in key[1] if _ == "view")


def test_unmatched_paths_share_one_label(client):
    before = scrape()
    client.get(f"/nothing-here-{uuid.uuid4().hex}")
    client.get(f"/nothing-here-{uuid.uuid4().hex}")
    labels = {"view": "unmatched", "method": "GET", "status": "4xx"}
    assert (
        value(scrape(), "midi_http_request_duration_seconds_count", **labels)
        - value(before, "midi_http_request_duration_seconds_count", **labels)
        == 2
    )


def test_reminder_gauges_and_counter(bookable, employer_a, client_for, frozen_now):
    book_via_web(client_for(employer_a), bookable, tuesday(10, 30))  # reminders Mon 10:30, Tue 8:30
    frozen_now.move_to(tuesday(8, 35))
    samples = scrape()
    assert value(samples, "midi_reminders_due") == 2
    assert value(samples, "midi_reminders_late") == 1  # Monday's, 22 h late; Tuesday's is 5 min past
    assert value(samples, "midi_metrics_source_up", source="database") == 1

    sent_before = value(samples, "midi_reminders_total", outcome="sent")
    assert reminders.send_due_reminders().sent == 2
    samples = scrape()
    assert value(samples, "midi_reminders_total", outcome="sent") - sent_before == 2
    assert value(samples, "midi_reminders_due") == value(samples, "midi_reminders_late") == 0


def test_the_late_threshold_is_a_setting(bookable, employer_a, client_for, frozen_now, settings):
    book_via_web(client_for(employer_a), bookable, tuesday(10, 30))
    frozen_now.move_to(tuesday(8, 35))
    settings.REMINDER_LATE_MINUTES = 3
    assert value(scrape(), "midi_reminders_late") == 2


def test_routing_decisions_sla_breaches_and_overdue_requests(bookable, frozen_now):
    before = scrape()
    request = make_request(bookable, mode=Mode.PHONE)
    routing.route_request(request.pk)
    request.refresh_from_db()
    assert request.status == ConsultationRequest.Status.ASSIGNED
    frozen_now.move_to(request.due_at)
    middle = scrape()
    assert value(middle, "midi_requests_overdue") == 1
    assert routing.escalate_overdue() == 1
    after = scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("midi_routing_decisions_total", reason="nearest") == 1
    assert moved("midi_routing_decisions_total", reason="sla") == 1
    assert moved("midi_routing_sla_breaches_total") == 1
    assert value(after, "midi_requests_overdue") == 0


def test_a_decision_lost_to_another_worker_is_not_counted(bookable):
    """Two workers on one hop: the second INSERT hits the unique (request, hop) and counts nothing."""
    request = make_request(bookable, mode=Mode.PHONE)
    routing.route_request(request.pk)
    before = value(scrape(), "midi_routing_decisions_total", reason="nearest")
    decision = request.decisions.get()
    decision.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        decision.save()
    assert value(scrape(), "midi_routing_decisions_total", reason="nearest") == before


def test_queue_depth_on_the_filesystem_broker(settings, tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    # Messages written by kombu's own filesystem transport: 3 in the default queue, 1 elsewhere.
    with Connection("filesystem://", transport_options=options) as connection:
        for name, count in ((app.conf.task_default_queue, 3), ("other", 1)):
            queue = connection.SimpleQueue(name)
            for n in range(count):
                queue.put({"n": n})
            queue.close()
    samples = scrape()
    assert value(samples, "midi_celery_queue_depth", queue=app.conf.task_default_queue) == 3
    assert value(samples, "midi_metrics_source_up", source="broker") == 1


@pytest.mark.redis
def test_queue_depth_on_redis_counts_every_priority(settings, monkeypatch):
    name = f"metrics-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(metrics, "_queue_names", lambda: [name])
    app.conf.task_always_eager = False  # send for real (the autouse fixture resets it)
    try:
        for priority in (0, 0, 9):
            app.send_task("midi_regions.echo", args=["x"], queue=name, priority=priority)
        assert value(scrape(), "midi_celery_queue_depth", queue=name) == 3
    finally:
        client = metrics._redis_client(settings.CELERY_BROKER_URL)
        client.delete(name, *(f"{name}{metrics.REDIS_PRIORITY_SEP}{p}" for p in metrics.REDIS_PRIORITIES))


def test_a_broker_down_does_not_fail_the_scrape(monkeypatch):
    def down():
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(metrics, "queue_depths", down)
    samples = scrape()
    assert value(samples, "midi_metrics_source_up", source="broker") == 0
    assert value(samples, "midi_metrics_source_up", source="database") == 1


# Cost and processes ----------------------------------------------------------------------------------


def test_the_middleware_adds_well_under_a_millisecond(rf: RequestFactory):
    response = HttpResponse("ok")
    middleware = RequestIdMiddleware(lambda request: response)
    # The best of five rounds: on a shared machine a round can lose the CPU half-way through.
    rounds = []
    for _ in range(5):
        requests = [rf.get("/healthz") for _ in range(400)]
        for request in requests:
            request.resolver_match = None
        started = time.perf_counter()
        for request in requests:
            middleware(request)
        rounds.append((time.perf_counter() - started) / len(requests))
    per_request = min(rounds)
    assert per_request < 0.0005, f"{per_request * 1e6:.0f} µs per request"


SCRIPT = """
import django, json, sys
django.setup()
from appointments.metrics import BOOKINGS
from core import metrics
if sys.argv[1] == "work":
    BOOKINGS.labels("booked", "").inc()
    metrics.observe_request("home", "GET", 200, 0.01)
else:
    from django.test import Client
    print(Client().get("/metrics").content.decode())
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """gunicorn's workers and Celery's write their own files; /metrics adds them up."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
        "SECRET_KEY": "x",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # no tables: the gauges say so
        "CELERY_DATA_DIR": str(tmp_path / "celery"),
    }
    env.pop("REDIS_URL", None)

    def run(arg):
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, arg], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("work")
    run("work")
    files = sorted(p.name for p in (tmp_path / "metrics").iterdir())
    assert len([f for f in files if f.startswith("counter_")]) == 2, files  # one file per process
    samples = {}
    for family in text_string_to_metric_families(run("scrape")):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    assert value(samples, "midi_bookings_total", outcome="booked", reason="") == 2
    home = {"view": "home", "method": "GET", "status": "2xx"}
    assert value(samples, "midi_http_request_duration_seconds_count", **home) == 2
    assert value(samples, "midi_metrics_source_up", source="database") == 0  # no tables, still served
    assert all("-" in name.rsplit("_", 1)[1] for name in files)  # host-pid, not a bare pid


def test_gauges_count_at_the_time_of_the_scrape(bookable, employer_a, client_for):
    book_via_web(client_for(employer_a), bookable, tuesday(10, 30))
    with time_machine.travel(tuesday(11, 0), tick=False):  # the appointment has started
        reminders.expire_missed_reminders()
        assert value(scrape(), "midi_reminders_due") == 0
