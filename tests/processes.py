"""Real processes for the operations tests: free ports, a private redis-server, gunicorn, Celery
workers and beats started as the production commands start them, an SMTP sink, a tiny HTTP client.

Each process runs in its own session (`start_new_session`), so stopping it stops its children
(gunicorn's workers) and nothing else.
"""

import email
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CELERY = str(BIN / "celery")
GUNICORN = str(BIN / "gunicorn")
VERBOSE = bool(os.environ.get("WORKER_LOGLEVEL"))  # WORKER_LOGLEVEL=INFO shows the processes' output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def database_url(settings_dict: dict, name: str | None = None) -> str:
    """The DATABASE_URL of a Django connection's settings (optionally another database on it)."""
    db = settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{name or db['NAME']}"
    )


def app_env(**overrides: str) -> dict:
    """The environment of a production-like process of this project, plus `overrides`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "midi_regions.settings",
        "SECRET_KEY": "operations-tests-not-secret",
        "DEBUG": "0",
        "LOG_LEVEL": os.environ.get("WORKER_LOGLEVEL", "WARNING"),
    }
    env.update(overrides)
    return env


def _spawn(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=None if VERBOSE else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    """Stop a process started here (and its children): `sig`, then SIGKILL after 20 s."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


class PrivateRedis:
    """A redis-server of one test only, on its own port, keeping nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert wait_for(self._answers, timeout=10), "redis-server did not start"

    def _answers(self) -> bool:
        assert self.process.poll() is None, "redis-server exited"
        try:
            return self.client.ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save; every message in it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.client.connection_pool.disconnect()


def start_gunicorn(env: dict, port: int, workers: int = 2) -> subprocess.Popen:
    """gunicorn with the production configuration (gunicorn.conf.py) on a loopback port."""
    return _spawn(
        [GUNICORN, "midi_regions.wsgi:application", "-c", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env,
    )


def start_worker(env: dict, name: str, queue: str | None = None) -> subprocess.Popen:
    """A Celery worker (solo pool) as `celery -A midi_regions worker` starts it."""
    return _spawn(
        [CELERY, "-A", "midi_regions", "worker", "--pool", "solo", "-n", f"{name}-{os.getpid()}@%h"]
        + (["-Q", queue] if queue else [])
        + ["--loglevel", os.environ.get("WORKER_LOGLEVEL", "WARNING")]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle"],
        env,
    )


def start_beat(env: dict, app: str, schedule_file: Path) -> subprocess.Popen:
    return _spawn(
        [CELERY, "-A", app, "beat", "--schedule", str(schedule_file)]
        + ["--loglevel", os.environ.get("WORKER_LOGLEVEL", "WARNING")],
        env,
    )


class Sink:
    """An SMTP server (aiosmtpd handler) keeping every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def count(self, predicate=lambda message: True) -> int:
        with self.lock:
            return sum(1 for message in self.messages if predicate(message))

    def recipients(self) -> Counter:
        with self.lock:
            return Counter(message["To"] for message in self.messages)


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def cookies(self) -> dict[str, str]:
        """Set-Cookie name → value (attributes dropped)."""
        found = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict | None = None,
    form: dict | None = None,
    headers: dict | None = None,
    timeout: float = 30,
) -> Response:
    """One HTTP request to 127.0.0.1:port, cookies sent by hand: the site's cookies are `Secure`
    (production settings), which a cookie jar would not send over plain HTTP on loopback."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    all_headers = {"Host": "127.0.0.1", "Accept-Language": "fr-CA", **(headers or {})}
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def wait_for_http(port: int, process: subprocess.Popen, path: str = "/healthz", timeout: float = 30) -> None:
    def answers() -> bool:
        assert process.poll() is None, f"the server on port {port} exited"
        try:
            return http_request(port, "GET", path, timeout=2).status == 200
        except OSError:
            return False

    assert wait_for(answers, timeout=timeout, every=0.1), f"nothing answered on port {port}"


def redis_database(url: str) -> int:
    """The database number a redis:// URL selects (0 when it names none, as Redis does)."""
    from redis.connection import parse_url

    return int(parse_url(url).get("db", 0))
