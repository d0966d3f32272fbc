"""Browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's live_server.

Playwright never downloads a browser here: it launches the system Chromium (`CHROMIUM_PATH`, else
/usr/bin/chromium, else `chromium` on PATH; `scripts/ensure_chromium.sh` installs it). Without
Chromium or the playwright package the tests skip with the reason; with REQUIRE_SERVICES=1 (CI)
they fail instead.

live_server runs the real WSGI stack (WhiteNoise, sessions, CSRF, allauth) in a thread of this
process, on the transactional test database: the server's transactions really commit, so
`transaction.on_commit` callbacks run, and emails land in `django.core.mail.outbox`.
"""

import os
import shutil
from urllib.parse import urlsplit

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000  # per action / expectation: a healthy page answers in well under a second


def pytest_configure(config):
    # Also declared in pyproject.toml; repeated here so --strict-markers accepts it either way.
    config.addinivalue_line("markers", "browser: drives Chromium with Playwright (tests/browser)")


def pytest_collection_modifyitems(items):
    """Every test of this folder is a browser test: `-m "not browser"` leaves them all out."""
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.browser)


def chromium_executable() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but the browser tests {reason}", pytrace=False)
    pytest.skip(f"browser tests {reason}")


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the package's tests.

    While Playwright's sync API is alive, its event loop is running in this thread, and Django
    refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation). The test code
    is synchronous, so the check is switched off for exactly the lifetime of the browser (not at
    import, which would disable it for the whole suite).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("need the playwright package: pip install -e '.[dev]'")
    executable = chromium_executable()
    if executable is None:
        where = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
        _unavailable(f"need Chromium at {where}: run scripts/ensure_chromium.sh (or set CHROMIUM_PATH)")

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # A Chromium that is there but does not start is a real failure, never a skip.
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Requests the browser makes on its own that the pages do not control. base.html declares an
# icon, so Chromium does not ask for /favicon.ico; the tuple stays for any such request.
BROWSER_OWN_REQUESTS: tuple[str, ...] = ()


class PageProblems:
    """Console errors, failed requests and HTTP errors seen by a browser context."""

    def __init__(self, origin: str):
        self.origin = origin
        self.console: list[str] = []
        self.failed: list[str] = []
        self.http_errors: list[str] = []
        self.static_ok: list[str] = []
        self.downloads: set[str] = set()

    def on_console(self, message):
        url = message.location.get("url", "")
        if url and urlsplit(url).path in BROWSER_OWN_REQUESTS:
            return
        if message.type == "error":
            self.console.append(f"{message.text} ({message.location.get('url', '')})")

    def on_request_failed(self, request):
        # The browser drops the favicon fetch when the page navigates away before it completes
        # (seen on a loaded CI machine): not a failure of the page.
        if "ERR_ABORTED" in (request.failure or "") and "/favicon." in request.url:
            return
        # The same for the place suggestions (static/js/places.js) still on their way when the
        # person submits the form: the page leaves, the suggestions are no longer wanted.
        if "ERR_ABORTED" in (request.failure or "") and "/api/v1/municipalities/" in request.url:
            return
        # A form whose answer is a file (the dashboard's CSV export): the browser downloads it and
        # ends the navigation it started; the page stays, nothing failed.
        if "ERR_ABORTED" in (request.failure or "") and request.url in self.downloads:
            return
        self.failed.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(self, response):
        if not response.url.startswith(self.origin):
            return
        path = urlsplit(response.url).path
        if path in BROWSER_OWN_REQUESTS:
            return
        if response.headers.get("content-disposition", "").startswith("attachment"):
            self.downloads.add(response.url)
        if response.status >= 400:
            self.http_errors.append(f"{response.status} {response.request.method} {path}")
        elif path.startswith("/static/"):
            self.static_ok.append(path)

    def assert_clean(self, *, allow_statuses=()):
        errors = [e for e in self.http_errors if int(e.split()[0]) not in allow_statuses]
        assert not (self.console or self.failed or errors), (
            f"console errors: {self.console}\nfailed requests: {self.failed}\nHTTP errors: {errors}"
        )


def _no_static_handler(application):
    return application


@pytest.fixture(scope="package")
def live_server(request):
    """pytest-django's live server, with static files served as in production.

    pytest-django wraps the server in staticfiles' StaticFilesHandler, which answers every
    /static/ URL from the finders, by source name: the hashed names the manifest storage writes
    in the pages (site.0861a34f18b5.css) are 404s there, and WhiteNoise never sees the request.
    Without that wrapper, WhiteNoiseMiddleware serves collectstatic's output (tests/conftest.py
    runs collectstatic), exactly as gunicorn does in production.
    """
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _no_static_handler
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_url(live_server, settings):
    """The live server's URL; emailed links (settings.SITE_URL) point at it too."""
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def browser_context(browser, live_url):
    """A fresh French-speaking browser context, with its problems recorded in `.problems`."""
    context = browser.new_context(
        base_url=live_url,
        locale="fr-CA",
        timezone_id="America/Toronto",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems(live_url)
    context.on("console", problems.on_console)
    context.on("requestfailed", problems.on_request_failed)
    context.on("response", problems.on_response)
    context.problems = problems
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return browser_context.new_page()


@pytest.fixture
def celery_eager():
    """Run Celery tasks in the calling thread (here: the live server's), errors propagating."""
    from midi_regions.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def ticking_now():
    """The tests' clock (Monday 23 November 2026, 10:00 in Québec), moving: the live server runs
    in this process, so it sees it too."""
    import time_machine

    from tests.booking_helpers import NOW

    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller
