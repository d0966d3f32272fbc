"""Reading a calendar over HTTP without trusting the server: bounded in time and size, redirects
followed by hand (each hop checked against private networks), every failure a `FetchFailed` with
a `SyncError` code — never an exception that reaches the worker, never a blocked worker.

Plain `requests` rather than a CalDAV client library: the caps (a 50 MB answer stops at
CALENDAR_SYNC_MAX_BYTES while streaming, a slow answer at the read timeout and the overall
deadline) must apply to every byte, and a calendar-query REPORT is one request.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from calendar_sync.models import SyncError

CHUNK = 64 * 1024


class FetchFailed(Exception):
    def __init__(self, code: SyncError, detail: str = ""):
        super().__init__(code.value, detail)
        self.code = code
        self.detail = detail


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def check_address(url: str) -> str:
    """The URL's host, if the URL is http(s) and (in production) the host resolves only to public
    addresses; else FetchFailed. Resolving here and connecting later leaves a DNS-rebinding gap
    of milliseconds; the addresses are checked again at every redirect."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchFailed(SyncError.NOT_CALENDAR, "scheme")
    if settings.CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS:
        return parts.hostname
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchFailed(SyncError.UNREACHABLE, "dns") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchFailed(SyncError.FORBIDDEN_ADDRESS)
    return parts.hostname


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    auth: tuple[str, str] | None = None,
) -> Answer:
    """One HTTP exchange (redirects followed up to CALENDAR_SYNC_MAX_REDIRECTS): the status, the
    body read up to CALENDAR_SYNC_MAX_BYTES, the headers. 2xx and 304 return; the rest raise."""
    timeout = settings.CALENDAR_SYNC_TIMEOUT_SECONDS
    deadline = time.monotonic() + 3 * timeout
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc credentials from the worker's environment
        for _hop in range(settings.CALENDAR_SYNC_MAX_REDIRECTS + 1):
            check_address(url)
            try:
                response = session.request(
                    method,
                    url,
                    headers={"User-Agent": "midi-regions-calendar-sync", **(headers or {})},
                    data=body,
                    auth=auth,
                    timeout=(timeout, timeout),
                    stream=True,
                    allow_redirects=False,
                )
            except requests.Timeout as error:
                raise FetchFailed(SyncError.TIMEOUT) from error
            except requests.RequestException as error:
                raise FetchFailed(SyncError.UNREACHABLE, type(error).__name__) from error
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    if response.status_code == 303:
                        method, body = "GET", None
                    continue
                _raise_for_status(response.status_code)
                content = b"" if response.status_code == 304 else _read_capped(response, deadline)
                return Answer(response.status_code, content, dict(response.headers))
    raise FetchFailed(SyncError.REDIRECTS)


def _raise_for_status(status: int) -> None:
    if status < 300 or status == 304:
        return
    if status in (404, 410):
        raise FetchFailed(SyncError.NOT_FOUND, str(status))
    if status in (401, 403):
        raise FetchFailed(SyncError.REFUSED, str(status))
    if status in (405, 501):  # REPORT not understood: not a CalDAV calendar
        raise FetchFailed(SyncError.NOT_CALENDAR, str(status))
    if status >= 500:
        raise FetchFailed(SyncError.SERVER, str(status))
    raise FetchFailed(SyncError.NOT_CALENDAR, str(status))


def _read_capped(response: requests.Response, deadline: float) -> bytes:
    limit = settings.CALENDAR_SYNC_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchFailed(SyncError.TOO_LARGE)
    received = bytearray()
    try:
        for chunk in response.iter_content(CHUNK):
            received += chunk
            if len(received) > limit:
                raise FetchFailed(SyncError.TOO_LARGE)
            if time.monotonic() > deadline:  # a server dripping bytes just under the read timeout
                raise FetchFailed(SyncError.TIMEOUT, "slow")
    except requests.RequestException as error:
        if isinstance(error, requests.ConnectionError) and "timed out" in str(error).lower():
            raise FetchFailed(SyncError.TIMEOUT) from error
        raise FetchFailed(SyncError.UNREACHABLE, type(error).__name__) from error
    return bytes(received)
