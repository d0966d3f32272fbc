"""Real servers on loopback for the sync tests: a threaded HTTP server that serves calendar files
and misbehaves on request, and Radicale (a real CalDAV server) in a subprocess."""

import hashlib
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Route:
    """What a path answers: a body with an ETag and Last-Modified (conditional GET honoured), or a
    misbehaviour: a status, a delay before answering, a redirect, an endless stream."""

    body: bytes = b""
    status: int = 200
    delay: float = 0.0
    redirect_to: str = ""
    stream_bytes: int = 0  # that many bytes of an event-like text, sent without Content-Length
    conditional: bool = True  # False: no ETag or Last-Modified, like some calendar publishers
    last_modified: str = field(default_factory=lambda: formatdate(usegmt=True))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that stops reading (the size cap, the timeout) is what the tests want


class CalendarServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    return self._answer(404, b"not found")
                if route.delay:
                    time.sleep(route.delay)
                if route.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", route.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if route.stream_bytes:
                    return self._stream(route.stream_bytes)
                if route.status != 200:
                    return self._answer(route.status, b"error")
                if not route.conditional:
                    return self._answer(200, route.body, {"Content-Type": "text/calendar"})
                if self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return self._answer(
                    200,
                    route.body,
                    {
                        "ETag": route.etag,
                        "Last-Modified": route.last_modified,
                        "Content-Type": "text/calendar",
                    },
                )

            def _answer(self, status, body, headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, total):
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"BEGIN:VEVENT\r\nDTSTART:20261201T100000Z\r\nEND:VEVENT\r\n" * 1000
                sent = 0
                try:
                    while sent < total:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:
                    pass  # the client stopped reading: what the size cap is for
                self.close_connection = True

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, **route) -> str:
        self.routes[path] = Route(**route)
        return self.url(path)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Radicale:
    """Radicale 3 on a free loopback port, storage and users in `folder` (plain htpasswd)."""

    USER, PASSWORD = "conseillere", "mot-de-passe-d-application"

    def __init__(self, folder: Path):
        self.port = free_port()
        (folder / "users").write_text(f"{self.USER}:{self.PASSWORD}\n")
        (folder / "config").write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {folder / 'users'}\n"
            "htpasswd_encryption = plain\n"
            "[rights]\n"
            "type = owner_only\n"
            "[storage]\n"
            f"filesystem_folder = {folder / 'collections'}\n"
            "[logging]\n"
            "level = warning\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(folder / "config")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.base, timeout=1)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Radicale did not start: {self.process.stderr.read().decode()}"
                    ) from None
                time.sleep(0.1)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.USER, self.PASSWORD)

    def make_calendar(self, name: str) -> str:
        url = f"{self.base}{self.USER}/{name}/"
        answer = requests.request("MKCALENDAR", url, auth=self.auth, timeout=5)
        assert answer.status_code == 201, answer.text
        return url

    def put(self, calendar_url: str, name: str, ics: bytes) -> None:
        answer = requests.put(
            calendar_url + name,
            data=ics,
            auth=self.auth,
            headers={"Content-Type": "text/calendar; charset=utf-8"},
            timeout=5,
        )
        assert answer.status_code in (201, 204), answer.text

    def delete(self, calendar_url: str, name: str) -> None:
        assert requests.delete(calendar_url + name, auth=self.auth, timeout=5).status_code in (200, 204)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
