"""PostgreSQL restarted under a running site: while it is down every answer is a clear 503 (the page,
or JSON under /api/) with Retry-After, never a 500 nor a dropped connection; then the site serves
again by itself, with no restart of gunicorn.

The PostgreSQL restarted is a private one (initdb in a temporary folder, its own port), holding a
copy of the test database made with scripts/backup.sh and scripts/restore.sh: restarting the
machine's server would cut every other connection to it, other test runs' included.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections

from tests import factories
from tests.processes import (
    app_env,
    database_url,
    free_port,
    http_request,
    start_gunicorn,
    stop,
    wait_for_http,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/api/v1/topics/"]
DOWN_SECONDS = 2
RECOVERY_SECONDS = 5


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl (Debian keeps them out of PATH)."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if debian:
        return debian[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PrivatePostgres:
    """A PostgreSQL server of this test only. initdb refuses root: as root, it runs as postgres."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="midi_ops_pg_"))
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/midi_ops_restart"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-w", "-t", "30", *args)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as db:
            db.execute("CREATE DATABASE midi_ops_restart")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def destroy(self) -> None:
        with suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    binaries = server_binaries()
    usable = binaries and (binaries / "initdb").exists()
    if usable and os.geteuid() == 0:
        usable = shutil.which("runuser") is not None
    if not usable:
        reason = "needs PostgreSQL's server programs (initdb, pg_ctl) to run a private server"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)
    server = PrivatePostgres(binaries)
    try:
        server.create()
        yield server
    finally:
        server.destroy()


def test_a_postgres_restart_answers_503_then_the_site_recovers_by_itself(private_postgres, tmp_path):
    factories.small_network()
    archive = tmp_path / "copy.dump"
    for script in (
        ["scripts/backup.sh", database_url(connection.settings_dict), str(archive)],
        ["scripts/restore.sh", str(archive), private_postgres.url],
    ):
        subprocess.run(["bash", *script], cwd=Path(__file__).parent.parent, check=True, capture_output=True)

    port = free_port()
    env = app_env(
        DATABASE_URL=private_postgres.url,
        CONN_MAX_AGE="60",  # kept connections: the ones the restart breaks must be replaced
        API_RATE_LIMIT_ANONYMOUS="100000/min",
        CELERY_DATA_DIR=str(tmp_path / "celery"),
    )
    env.pop("REDIS_URL", None)
    web = start_gunicorn(env, port, workers=2)
    results: list[tuple[float, str, object, str]] = []  # (time, path, status or error, Retry-After)
    done = threading.Event()

    def hammer():
        i = 0
        while not done.is_set():
            path = PAGES[i % len(PAGES)]
            i += 1
            try:
                response = http_request(port, "GET", path, timeout=15)
                results.append((time.monotonic(), path, response.status, response.headers.get("Retry-After")))
            except OSError as error:  # a reset or refused connection: what must not happen
                results.append((time.monotonic(), path, repr(error), None))
            time.sleep(0.01)

    loop = threading.Thread(target=hammer)
    try:
        wait_for_http(port, web)
        loop.start()
        time.sleep(1)
        stopping = time.monotonic()
        private_postgres.stop("fast")  # connections terminated, new ones refused
        time.sleep(DOWN_SECONDS)
        private_postgres.start()
        restarted = time.monotonic()
        time.sleep(RECOVERY_SECONDS + 1)
    finally:
        done.set()
        if loop.is_alive():
            loop.join(timeout=30)
        stop(web)
        connections.close_all()

    statuses = [status for _, _, status, _ in results]
    assert set(statuses) <= {200, 503}, [r for r in results if r[2] not in (200, 503)][:5]
    before = [s for t, _, s, _ in results if t < stopping]
    assert before and set(before) == {200}
    unavailable = [r for r in results if r[2] == 503]
    assert {path for _, path, _, _ in unavailable} == set(PAGES)  # the page and the API alike
    assert {retry for _, _, _, retry in unavailable} == {"10"}
    down = [s for t, _, s, _ in results if stopping + 0.5 < t < restarted - 0.2]
    assert down and set(down) == {503}
    # Back by itself: the first 200 soon after the start, then nothing else.
    first_ok = min(t for t, _, s, _ in results if t > restarted and s == 200)
    assert first_ok - restarted < RECOVERY_SECONDS
    after = [s for t, _, s, _ in results if t > first_ok]
    assert after and set(after) == {200}
