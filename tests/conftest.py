"""Shared fixtures: the personas every feature is tested from, and the service markers.

Tests marked `postgres` or `redis` skip with a visible reason when the service is not
configured, and fail instead when REQUIRE_SERVICES=1 (CI).
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-not-secret")
os.environ.setdefault("DEBUG", "0")

import pytest  # noqa: E402

from tests import factories  # noqa: E402

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    """Tests run with production static files (WhiteNoise + manifest): collect them first."""
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)


def _service_missing(marker: str) -> str | None:
    from django.conf import settings

    if marker == "postgres" and not settings.IS_POSTGRES:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis"):
        if item.get_closest_marker(marker):
            reason = _service_missing(marker)
            if reason and REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
            elif reason:
                pytest.skip(reason)


@pytest.fixture(autouse=True)
def _celery_runs_tasks_in_process():
    """Tasks queued by the code under test run in the test process, never on a real broker
    (tests about Celery itself start real workers in subprocesses)."""
    from midi_regions.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Cached pages, users, the datalist and rate-limit counters outlive each test's rolled-back
    rows (and, on Redis, the test run): every test starts with an empty cache."""
    from django.core.cache import cache

    from midi_regions.page_cache import forget_pages

    cache.clear()
    forget_pages()


@pytest.fixture(autouse=True)
def _fast_passwords_and_french(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Staff sign in with force_login in most tests; tests/test_staff_mfa.py turns MFA on.
    settings.REQUIRE_STAFF_MFA = False
    settings.LANGUAGE_CODE = "fr-ca"


@pytest.fixture
def network(db):
    """A small directorate pair with regions, points, topics and advisers (not the full seed)."""
    return factories.small_network()


@pytest.fixture
def employer_a(network):
    return factories.EmployerProfileFactory(company__municipality=network.municipality_a).user


@pytest.fixture
def employer_b(network):
    return factories.EmployerProfileFactory(company__municipality=network.municipality_b).user


@pytest.fixture
def advisor(network):
    return network.advisor_a.user


@pytest.fixture
def other_advisor(network):
    return network.advisor_b.user


@pytest.fixture
def manager(network):
    return network.directorate_a.manager


@pytest.fixture
def other_manager(network):
    return network.directorate_b.manager


@pytest.fixture
def administrator(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def new_user(db):
    return factories.UserFactory()


@pytest.fixture
def client_for(client):
    """client_for(user) → the test client signed in as user (None: anonymous)."""

    def login(user):
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def frozen_now():
    """The clock stopped at booking_helpers.NOW (Monday 23 November 2026, 10:00 in Québec)."""
    import time_machine

    from tests.booking_helpers import NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def commits_at_once(monkeypatch):
    """The test transaction never commits: run what services queue "after commit" right away."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def bookable(network):
    """The small network with both advisers open Monday to Friday at their home point."""
    from tests.booking_helpers import open_weekdays

    open_weekdays(network.advisor_a)
    open_weekdays(network.advisor_b)
    return network
