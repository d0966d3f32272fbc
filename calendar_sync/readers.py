"""Reading a source's calendar text: a published ICS address by conditional GET (ETag /
Last-Modified), a CalDAV collection by a calendar-query REPORT on the horizon's time range (the
server returns the events touching it, recurring masters with their overrides; we expand them
ourselves, as for ICS, so both paths share one expansion)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from defusedxml import ElementTree

from calendar_sync.fetching import FetchFailed, request
from calendar_sync.models import SyncError

DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"


@dataclass
class Read:
    documents: list[bytes]
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False


def read_ics(url: str, *, etag: str = "", last_modified: str = "") -> Read:
    headers = {"Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    answer = request("GET", url, headers=headers)
    if answer.not_modified:
        return Read([], etag, last_modified, not_modified=True)
    return Read(
        [answer.body],
        etag=answer.headers.get("ETag", "")[:200],
        last_modified=answer.headers.get("Last-Modified", "")[:100],
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def report_body(window_from: datetime, window_to: datetime) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
        '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
        f'<c:time-range start="{_utc(window_from)}" end="{_utc(window_to)}"/>'
        "</c:comp-filter></c:comp-filter></c:filter>"
        "</c:calendar-query>"
    ).encode()


def read_caldav(
    url: str, *, username: str, password: str, window_from: datetime, window_to: datetime
) -> Read:
    answer = request(
        "REPORT",
        url,
        headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        body=report_body(window_from, window_to),
        auth=(username, password) if username else None,
    )
    if answer.status != 207:
        raise FetchFailed(SyncError.NOT_CALENDAR, str(answer.status))
    try:
        root = ElementTree.fromstring(answer.body)
    except Exception as error:  # malformed or hostile XML (defusedxml refuses entity tricks)
        raise FetchFailed(SyncError.NOT_CALENDAR, "xml") from error
    if root.tag != f"{DAV}multistatus":
        raise FetchFailed(SyncError.NOT_CALENDAR, "xml")
    documents = [
        data.text.encode() for data in root.iter(f"{CALDAV}calendar-data") if data.text and data.text.strip()
    ]
    return Read(documents)
