"""Logs: a request id on every line and in the tasks a request queues, JSON lines in production,
one access line per request, errors with their id, and no email or name of anyone involved."""

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from kombu import Producer

from core import logs
from core.logs import ConsoleFormatter, JsonFormatter
from core.tasks import echo
from midi_regions.celery import app
from tests.booking_helpers import book_via_web, search_params, tuesday

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))
HEX_ID = re.compile(r"[0-9a-f]{32}")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def log_output():
    """What the configured handler (settings.LOGGING) writes, at DEBUG: a function returning
    the raw text. Every line of it must be a JSON object."""
    root = logging.getLogger()
    handler = next(h for h in root.handlers if isinstance(h.formatter, JsonFormatter))
    stream = io.StringIO()
    previous_stream, previous_level = handler.setStream(stream), root.level
    root.setLevel(logging.DEBUG)
    yield stream.getvalue
    root.setLevel(previous_level)
    handler.setStream(previous_stream)


def parsed(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def access_lines(text: str) -> list[dict]:
    return [line for line in parsed(text) if line["logger"] == "midi_regions.access"]


# The request id --------------------------------------------------------------------------------


def test_every_request_gets_its_own_id_in_the_response_header(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert HEX_ID.fullmatch(first["X-Request-ID"])
    assert HEX_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("edge-7f3a.b_9", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("two words", False),
        ("<script>", False),
        ("id\nforged log line", False),
        ("", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept_anything_else_replaced(client, incoming, kept):
    returned = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert (returned == incoming) is kept
    if not kept:
        assert HEX_ID.fullmatch(returned)


def test_one_access_line_per_request_with_view_status_duration_and_user_id(
    client_for, employer_a, bookable, log_output
):
    response = client_for(employer_a).get(reverse("appointments:slots"), search_params(bookable))
    assert response.status_code == 200
    (line,) = access_lines(log_output())
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "INFO"
    assert (line["method"], line["view"], line["status"]) == ("GET", "appointments:slots", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["user_id"] == employer_a.pk
    assert "Trois-Rivi" not in json.dumps(line)  # never the path or the query string
    # Every line written during the request carries its id.
    assert {entry["request_id"] for entry in parsed(log_output())} == {response["X-Request-ID"]}


def test_probes_are_logged_at_debug_only(client, log_output):
    client.get("/healthz")
    (line,) = access_lines(log_output())
    assert line["level"] == "DEBUG" and line["view"] == "healthz"


def test_an_unhandled_error_is_logged_with_the_request_id_and_no_address(monkeypatch, log_output):
    from midi_regions import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom while reading jeanne.tremblay@example.org")

    monkeypatch.setattr(selectors, "directorates_with_counts", broken)
    response = Client(raise_request_exception=False).get(reverse("about"))
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    lines = parsed(log_output())
    (error,) = [line for line in lines if line["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["request_id"] == request_id
    assert error["message"] == "Internal Server Error: about"
    assert "RuntimeError: boom while reading [email]" in error["exception"]
    (access,) = access_lines(log_output())
    assert (access["status"], access["request_id"]) == (500, request_id)
    assert "jeanne.tremblay" not in log_output()


def test_not_found_lines_carry_the_request_id_too(client, log_output):
    # Django logs 4xx after the middleware has returned: the id comes from the request then.
    response = client.get(f"/nothing-here-{uuid.uuid4().hex}")
    (warning,) = [line for line in parsed(log_output()) if line["logger"] == "django.request"]
    assert warning["request_id"] == response["X-Request-ID"]
    assert warning["message"] == "Not Found: unmatched"


def test_django_request_lines_name_the_view_not_the_path_and_its_token(client, log_output):
    token = f"secret-feed-token-{uuid.uuid4().hex}"
    assert client.get(reverse("advisor_feed", args=[token])).status_code == 404
    (warning,) = [line for line in parsed(log_output()) if line["logger"] == "django.request"]
    assert warning["message"] == "Not Found: advisor_feed"
    assert token not in log_output()


# Celery ------------------------------------------------------------------------------------------


def test_a_request_puts_its_id_in_the_headers_of_the_tasks_it_queues(
    client_for, employer_a, bookable, monkeypatch
):
    published = []

    def publish(self, body, **kwargs):  # the producer's last step: record instead of sending
        published.append(kwargs["headers"])

    monkeypatch.setattr(Producer, "publish", publish)
    app.conf.task_always_eager = False  # really publish (the autouse fixture resets it)
    response = book_via_web(client_for(employer_a), bookable, tuesday(10, 30))
    assert response.status_code == 302
    assert published, "the booking queues its confirmation email"
    assert {headers["task"] for headers in published} >= {"appointments.send_appointment_email"}
    assert {headers["request_id"] for headers in published} == {response["X-Request-ID"]}


def test_a_task_published_outside_a_request_has_no_request_id_header(monkeypatch):
    published = []
    monkeypatch.setattr(Producer, "publish", lambda self, body, **kwargs: published.append(kwargs["headers"]))
    app.conf.task_always_eager = False
    echo.delay("beat")
    assert "request_id" not in published[0]


def test_a_task_logs_with_the_request_id_it_was_sent_with(log_output):
    echo.apply(args=["x"], headers={"request_id": "req-from-web"})
    (line,) = [line for line in parsed(log_output()) if line["message"] == "Echo task ran"]
    assert line["request_id"] == "req-from-web"
    assert logs.current_request_id() is None  # reset after the task


def test_a_task_without_a_request_id_logs_with_its_own_task_id(log_output):
    result = echo.apply(args=["x"])
    (line,) = [line for line in parsed(log_output()) if line["message"] == "Echo task ran"]
    assert line["request_id"] == result.id


@pytest.mark.slow
def test_a_real_worker_logs_the_request_id_of_the_publisher(tmp_path):
    """A worker process (the configured broker: Redis if REDIS_URL is set, else the embedded
    filesystem one in a temporary folder) logs the id the publishing process had bound."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
        "SECRET_KEY": "x",
        "DEBUG": "0",
        "LOG_FORMAT": "json",
        "CELERY_DATA_DIR": str(tmp_path / "celery"),
    }
    worker = subprocess.Popen(
        [CELERY, "-A", "midi_regions", "worker", "--pool", "solo", "--loglevel", "INFO"]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"logs-{os.getpid()}@%h"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    request_id = f"req-{uuid.uuid4().hex[:12]}"
    send = (
        "import django; django.setup();"
        "from core import logs; from core.tasks import echo;"
        f"logs.bind_request_id({request_id!r});"
        "print(echo.delay('bonjour').get(timeout=60)['value'])"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", send], cwd=ROOT, env=env, capture_output=True, text=True, timeout=90
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "bonjour"
        time.sleep(0.5)  # the worker flushes its line
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            output, _ = worker.communicate()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    ran = [line for line in lines if line["message"] == "Echo task ran"]
    assert ran and ran[0]["request_id"] == request_id, output[-3000:]
    # The worker's own lines are JSON too (its logging is ours, not Celery's).
    assert any(line["logger"].startswith("celery") for line in lines), output[-3000:]


# Formats and personal data ------------------------------------------------------------------------


def _record(message, *args, **extra) -> logging.LogRecord:
    record = logging.getLogger("tests").makeRecord("tests", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_json_lines_have_the_fields_and_only_scalar_extras():
    record = _record(
        "Task %s failed", "x", request_id="r-1", status_code=500, data={"args": "('Jeanne Tremblay',)"}
    )
    line = json.loads(JsonFormatter().format(record))
    assert set(line) == {"time", "level", "logger", "message", "request_id", "status_code"}
    assert line["message"] == "Task x failed" and line["request_id"] == "r-1"
    assert line["time"].endswith("+00:00")


def test_email_addresses_are_masked_in_messages_arguments_and_tracebacks():
    redact = logs.RedactEmails()
    record = _record(
        "Reminder %s not delivered: %s", 7, "550 5.1.1 <Jean.Roy+rdv@Boulangerie.example> unknown"
    )
    try:
        raise ValueError("duplicate key (email)=(jean.roy@boulangerie.example)")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert redact.filter(record)
    line = JsonFormatter().format(record)
    assert "Reminder 7 not delivered: 550 5.1.1 <[email]> unknown" in line
    assert "(email)=([email])" in line
    assert "boulangerie.example" not in line.lower()


def test_console_lines_are_readable_with_the_request_id():
    line = ConsoleFormatter().format(_record("Booked for %s", "ana@example.org", request_id="r-9"))
    assert re.fullmatch(r"\d\d:\d\d:\d\d WARNING tests \[r-9\] Booked for \[email\]", line)
    assert "[-]" in ConsoleFormatter().format(_record("outside a request"))


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"DEBUG": "1"}, "console"), ({"DEBUG": "0"}, "json"), ({"DEBUG": "1", "LOG_FORMAT": "json"}, "json")],
)
def test_json_in_production_readable_in_development(env, expected, tmp_path):
    assert _settings_value("LOG_FORMAT", env, tmp_path) == (0, expected)


def test_an_unknown_log_format_fails_at_start_up(tmp_path):
    code, output = _settings_value("LOG_FORMAT", {"LOG_FORMAT": "xml"}, tmp_path)
    assert code != 0 and "LOG_FORMAT must be json or console" in output


def _settings_value(name: str, env: dict, tmp_path) -> tuple[int, str]:
    inherited = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
    env = {**inherited, "SECRET_KEY": "x", "CELERY_DATA_DIR": str(tmp_path), **env}
    result = subprocess.run(
        [sys.executable, "-c", f"from midi_regions import settings; print(settings.{name})"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, (result.stdout.strip() if result.returncode == 0 else result.stderr)


def _people(*users):
    for user in users:
        yield user.email
        yield user.first_name
        yield user.last_name


def test_no_email_or_name_in_the_logs_of_a_search_and_a_booking(
    client_for, employer_a, employer_b, bookable, log_output
):
    employer_a.first_name, employer_a.last_name = "Éloïse", "Vaillancourt-Quirion"
    employer_a.save()
    client = client_for(employer_a)
    client.get(reverse("appointments:slots"), search_params(bookable))
    assert book_via_web(client, bookable, tuesday(10, 30)).status_code == 302
    assert book_via_web(client_for(employer_b), bookable, tuesday(10, 30)).status_code == 409  # refused
    output = log_output()
    assert len(access_lines(output)) == 3
    adviser = bookable.advisor_a.user
    for secret in _people(employer_a, employer_b, adviser):
        assert secret.lower() not in output.lower(), secret


def test_no_email_or_name_in_the_logs_of_a_sign_up(client, network, log_output):
    from django.core import mail

    from accounts.tests.test_signup_and_profile import PASSWORD
    from tests.inputs import valid_profile

    email = "josee.gagnon@boulangerie-du-cap.example"
    response = client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    path = re.search(r"https?://[^/\s]+(/\S*confirm-email/\S+/)", mail.outbox[0].body).group(1)
    assert client.post(path).status_code == 302
    profile = valid_profile(network.municipality_a, first_name="Josée", last_name="Gagnon-Tessier")
    assert client.post(reverse("accounts:profile"), profile).status_code == 302
    output = log_output()
    assert len(access_lines(output)) == 3
    for secret in (email, "josee.gagnon", "Josée", "Gagnon-Tessier", profile["phone"]):
        assert secret.lower() not in output.lower(), secret
