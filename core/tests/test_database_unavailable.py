"""The database unreachable (PostgreSQL restarting): a clear 503 with Retry-After, never a 500.

Every query fails as it fails while PostgreSQL restarts (OperationalError); the process-level
proof, a real PostgreSQL restarted under a running gunicorn, is tests/test_postgres_restart.py.
"""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(error=OperationalError):
    def fail(execute, sql, params, many, context):
        raise error("terminating connection due to administrator command")

    with connection.execute_wrapper(fail):
        yield


def french(text: str) -> str:
    with translation.override("fr-ca"):
        return gettext(text)


def test_a_page_answers_503_with_retry_after_when_the_database_is_down(client):
    with database_down():
        response = client.get(reverse("home"))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert french("Service briefly unavailable") in page
    assert 'href="/"' in page  # try again: the same address


def test_the_page_is_in_english_under_en(client):
    with database_down(InterfaceError):
        response = client.get("/en/")
    assert response.status_code == 503
    assert "Service briefly unavailable" in response.content.decode()


def test_the_api_answers_json_503(client, employer_a):
    client.force_login(employer_a)
    with database_down():
        response = client.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "detail": "The service is briefly unavailable. Please try again in a few seconds."
    }


def test_a_signed_in_visitor_whose_session_cannot_be_read_gets_the_503_page_too(employer_a):
    # The session and the user are read by middleware, before any view: handler500's path.
    client = Client(raise_request_exception=False)
    client.force_login(employer_a)
    cache.clear()
    with database_down():
        response = client.get(reverse("appointments:list"))
    assert response.status_code == 503
    assert french("Service briefly unavailable") in response.content.decode()


def test_other_errors_stay_500s(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("midi_regions.views.render", broken)
    response = Client(raise_request_exception=False).get(reverse("home"))
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_a_hostile_address_does_not_become_a_link_elsewhere(client):
    with database_down():
        response = client.get("//evil.example/")
    assert response.status_code in (404, 503)
    assert 'href="//evil.example' not in response.content.decode()
