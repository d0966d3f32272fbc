import pytest

from calendar_sync.tests.servers import CalendarServer, Radicale


@pytest.fixture(autouse=True)
def _loopback_calendars_allowed(settings):
    """The tests' calendar servers listen on loopback, which production refuses (SSRF)."""
    settings.CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS = True
    settings.CALENDAR_SYNC_TIMEOUT_SECONDS = 2.0


@pytest.fixture(scope="session")
def calendar_server():
    server = CalendarServer()
    yield server
    server.stop()


@pytest.fixture
def served(calendar_server):
    """The calendar server with no route left from another test."""
    calendar_server.routes.clear()
    calendar_server.requests.clear()
    return calendar_server


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()
