"""Scanning stored documents with ClamAV's daemon (clamd), and the life of a scanned document.

    verdict = scan_stored(stored.key)      # ScannerUnavailable: retry later (a Celery retry)
    verdict.infected, verdict.signature

The file is streamed to clamd with INSTREAM (clamav-client) over TCP or a unix socket
(settings.CLAMD_URL); clamd never needs to see our storage. The domain keeps a `ScanStatus` on
each document and moves it with `next_scan_status`:

    pending ──clean──▶ clean            (served)
       │  └─infected─▶ infected         (quarantined: never served, to anyone)
       └──scanner down / clamd error──▶ failed ──(retried: the task, then a sweep)──▶ clean | infected

`may_serve` says whether a document in a status may be downloaded: clean only, or, where a
developer set DOCUMENT_ALLOW_UNSCANNED (DEBUG only), anything not infected.
"""

from dataclasses import dataclass
from typing import Final

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket, ResponseError
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.uploads import open_stored


class ScannerUnavailable(Exception):
    """clamd could not be reached or stopped answering: try again later."""


class ScanError(Exception):
    """clamd answered that it could not scan this file (too large for its StreamMaxLength, a
    broken archive beyond its limits…): trying again will not help until its settings change."""


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("Pending scan")
    CLEAN = "clean", _("Clean")
    INFECTED = "infected", _("Infected")
    FAILED = "failed", _("Scan failed")


# A clean or infected document stays so; pending and failed wait for a scan's outcome.
SCAN_TRANSITIONS: Final = {
    ScanStatus.PENDING: {ScanStatus.CLEAN, ScanStatus.INFECTED, ScanStatus.FAILED},
    ScanStatus.FAILED: {ScanStatus.CLEAN, ScanStatus.INFECTED, ScanStatus.FAILED},
    ScanStatus.CLEAN: set(),
    ScanStatus.INFECTED: set(),
}


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str = ""  # the name clamd gives the threat ("Eicar-Test-Signature")

    @property
    def status(self) -> ScanStatus:
        return ScanStatus.INFECTED if self.infected else ScanStatus.CLEAN


def next_scan_status(current: str, outcome: Verdict | None) -> ScanStatus:
    """The status after a scan: its verdict's, or FAILED when it raised (outcome None). A document
    already clean or infected is never scanned into another status: ValueError."""
    new = outcome.status if outcome is not None else ScanStatus.FAILED
    if new not in SCAN_TRANSITIONS[ScanStatus(current)]:
        raise ValueError(f"a {current} document cannot become {new}")
    return new


def scanner_configured() -> bool:
    """Whether documents get scanned at all (a page says so when they cannot)."""
    return bool(settings.CLAMD_URL)


def unscanned_downloads_allowed() -> bool:
    return settings.DOCUMENT_ALLOW_UNSCANNED


def may_serve(status: str) -> bool:
    """Whether a document in `status` may be downloaded by anyone."""
    if status == ScanStatus.CLEAN:
        return True
    return status != ScanStatus.INFECTED and unscanned_downloads_allowed()


def _client() -> ClamdNetworkSocket:
    url = settings.CLAMD_URL
    timeout = settings.CLAMD_TIMEOUT_SECONDS
    if url.startswith("unix://"):
        return ClamdUnixSocket(url.removeprefix("unix://"), timeout=timeout)
    host, _sep, port = url.removeprefix("tcp://").rstrip("/").rpartition(":")
    return ClamdNetworkSocket(host.strip("[]"), int(port), timeout=timeout)


def ping_scanner() -> None:
    """Raises ScannerUnavailable unless clamd answers PONG (readiness, the page's notice)."""
    if not scanner_configured():
        raise ScannerUnavailable("CLAMD_URL is not set")
    try:
        answer = _client().ping()
    except (ClamdError, OSError) as error:
        raise ScannerUnavailable(str(error)) from error
    if answer != "PONG":
        raise ScannerUnavailable(f"clamd answered {answer!r} to PING")


def scan_stored(key: str) -> Verdict:
    """Streams the stored file `key` to clamd. ScannerUnavailable when clamd is not configured,
    unreachable or hangs up; ScanError when it answers that it could not scan the file."""
    if not scanner_configured():
        raise ScannerUnavailable("CLAMD_URL is not set")
    with open_stored(key) as stored:  # a missing file is the caller's bug: FileNotFoundError
        try:
            result = _client().instream(stored)
        except ResponseError as error:  # clamd's "… ERROR" answer, its size limit among them
            raise ScanError(str(error)) from error
        except (ClamdError, OSError) as error:  # refused, reset, timed out (OSError: while sending)
            raise ScannerUnavailable(str(error)) from error
    status, signature = result.get("stream", ("", None))
    if status == "OK":
        return Verdict(infected=False)
    if status == "FOUND":
        return Verdict(infected=True, signature=signature or "")
    raise ScanError(f"clamd answered {result!r}")
