"""Error answers (issue 18): a body in a charset it cannot be read in is a 415, never a 500; the
error handlers cannot fail (they never read the body); under /api/ every error is JSON in the
documented shape; no log line carries the raw path of a manage link."""

import io
import json
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import BadRequest
from django.test import Client
from django.urls import reverse

from core import error_pages, logs
from tests.clients import bearer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CSRF = "a" * 32
TOKEN = "eyJhIjoxMjN9:1vXyZa:Zm9vYmFyYmF6cXV4cXV1eA"
MANAGE = f"/rendez-vous/gerer/{TOKEN}/"


def browser() -> Client:
    """A browser as the black-box test drove it: CSRF enforced, a csrftoken cookie, and the
    server's answer rather than the exception."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = CSRF
    return client


def multipart(charset: str) -> tuple[bytes, str]:
    body = b'--xx\r\nContent-Disposition: form-data; name="reason"\r\n\r\n\xe9\r\n--xx--\r\n'
    return body, f"multipart/form-data; boundary=xx; charset={charset}"


# Charsets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["rot13", "base64", "hex", "zlib", "no-such-charset"])
def test_a_json_body_in_a_charset_that_is_not_a_text_encoding_is_a_415(employer_a, charset):
    api = bearer(employer_a)
    api.raise_request_exception = False
    response = api.generic(
        "POST", reverse("api:appointment-list"), b"{}", content_type=f"application/json; charset={charset}"
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"reason=%E9", "application/x-www-form-urlencoded; charset=iso-8859-1"),
        (b"reason=x", "application/x-www-form-urlencoded; charset=rot13"),
        multipart("rot13"),
        multipart("iso-8859-1"),
    ],
    ids=["form-latin1", "form-rot13", "multipart-rot13", "multipart-latin1"],
)
def test_a_form_in_another_charset_is_a_415_page_not_a_500(network, body, content_type):
    response = browser().generic("POST", MANAGE, body, content_type=content_type)
    assert response.status_code == 415
    assert "text/html" in response["Content-Type"]
    assert "UTF-8" in response.content.decode()


def test_a_json_body_in_utf16_is_still_read(employer_a):
    api = bearer(employer_a)
    response = api.generic(
        "POST",
        reverse("api:appointment-list"),
        json.dumps({"topic": "nope"}).encode("utf-16"),
        content_type="application/json; charset=utf-16",
    )
    assert response.status_code == 400 and "topic" in response.json()


# Handlers that cannot fail -----------------------------------------------------------------------


def unreadable_form(rf):
    """A request whose request.POST raises, as Django's did for a form in ISO-8859-1."""
    request = rf.generic(
        "POST", MANAGE, b"a=%E9", content_type="application/x-www-form-urlencoded; charset=iso-8859-1"
    )
    request.COOKIES["csrftoken"] = CSRF
    with pytest.raises(BadRequest):
        request.POST  # noqa: B018
    return request


@pytest.mark.parametrize(
    ("handler", "status"),
    [
        (error_pages.bad_request, 400),
        (error_pages.permission_denied, 403),
        (error_pages.page_not_found, 404),
        (error_pages.server_error, 500),
    ],
)
def test_the_error_handlers_answer_without_reading_the_body(rf, handler, status):
    """Django's handlers re-ran the CSRF check, which read request.POST and failed again, down to
    gunicorn's bare 500 page with no access line."""
    response = handler(unreadable_form(rf), BadRequest()) if status != 500 else handler(unreadable_form(rf))
    assert response.status_code == status


def test_a_failing_body_read_is_answered_by_the_app_with_its_access_line(network, monkeypatch, caplog):
    from django.http.request import HttpRequest

    def broken(self):
        raise BadRequest("cannot read this body")

    monkeypatch.setattr(HttpRequest, "_load_post_and_files", broken)
    with caplog.at_level(logging.INFO, logger="midi_regions.access"):
        response = browser().post(MANAGE, {"reason": "x"})
    assert response.status_code == 400
    assert [r.status for r in caplog.records if r.name == "midi_regions.access"] == [400]


# The API's errors are JSON -----------------------------------------------------------------------


def assert_api_error(response, status: int):
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_a_body_over_djangos_memory_limit_is_a_json_413_under_the_api(employer_a):
    api = bearer(employer_a)
    api.raise_request_exception = False
    big = "reason=" + "x" * 3_000_000
    response = api.generic(
        "POST", reverse("api:appointment-list"), big, content_type="application/x-www-form-urlencoded"
    )
    assert_api_error(response, 413)
    body = json.dumps({"message": "x" * 3_000_000})
    assert_api_error(api.post(reverse("api:appointment-list"), body, content_type="application/json"), 413)


def test_a_page_answers_a_body_over_the_limit_with_a_413_page(network):
    response = browser().generic(
        "POST", MANAGE, "reason=" + "x" * 3_000_000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413 and "text/html" in response["Content-Type"]


def test_the_api_answers_404_405_and_500_in_json(employer_a, monkeypatch):
    client = Client(raise_request_exception=False)
    assert_api_error(client.get("/api/v1/nothing-here/"), 404)
    assert_api_error(client.get("/api/nothing/"), 404)
    assert_api_error(client.delete(reverse("api:schema")), 405)
    assert_api_error(client.delete(reverse("api:topic-list")), 405)

    from appointments import api as appointments_api

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(appointments_api.TopicViewSet, "list", broken)
    response = client.get(reverse("api:topic-list"))
    assert_api_error(response, 500)
    assert "boom" not in response.content.decode()


def test_the_api_keeps_the_headers_of_the_answer_it_turns_into_json():
    response = Client().delete(reverse("api:schema"))
    assert "GET" in response["Allow"] and response["X-Request-ID"]


# No token in any log line ------------------------------------------------------------------------


def gunicorn_logger():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    from gunicorn.config import Config

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("forwarded_allow_ips", "127.0.0.1")
    logger = config["MaskedLogger"](cfg)
    stream = io.StringIO()
    for target in (logger.error_log, logger.access_log):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(message)s"))
        target.addHandler(handler)
    return logger, stream


def test_gunicorns_error_line_masks_the_manage_token():
    logger, stream = gunicorn_logger()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("Error handling request %s", f"{MANAGE}?email=jeanne@example.org")
    line = stream.getvalue()
    assert "Error handling request /rendez-vous/gerer/[token]/?[query]" in line
    assert TOKEN not in line and "jeanne" not in line


def test_gunicorns_access_line_masks_the_path_and_names_the_visitor():
    logger, stream = gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"{MANAGE}?x=1",
        "PATH_INFO": MANAGE,
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.7",
        "HTTP_REFERER": f"https://midi.example{MANAGE}",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    from datetime import timedelta

    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    assert atoms["r"] == "POST /rendez-vous/gerer/[token]/?[query] HTTP/1.1"
    assert atoms["h"] == "203.0.113.7"
    assert TOKEN not in json.dumps({k: str(v) for k, v in atoms.items()})


def test_django_lines_mask_token_paths_they_quote():
    record = logging.LogRecord("core.unavailable", logging.WARNING, "", 0, "503 for %s", (MANAGE,), None)
    logs.PathsAsViewNames().filter(record)
    assert record.getMessage() == "503 for /rendez-vous/gerer/[token]/"


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        (f"/calendrier/{'Ab1' * 8}.ics", "/calendrier/[token]"),
        ("/api/v1/appointments/3f2c1a4e-1b2c-4d5e-8f90-123456789abc/", "/api/v1/appointments/[token]/"),
        ("/rendez-vous/disponibilites/?municipalite=Trois-Rivieres", "/rendez-vous/disponibilites/?[query]"),
        ("/directions/national/tableau-de-bord/", "/directions/national/tableau-de-bord/"),
    ],
)
def test_token_like_segments_and_query_strings_are_masked(path, masked):
    assert logs.mask_path(path) == masked
