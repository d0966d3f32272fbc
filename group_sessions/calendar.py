"""The .ics of a session for a registrant's calendar: the appointments' file (PUBLISH, no
organizer; CANCEL at a higher SEQUENCE once cancelled), one UID per session and reader's
registration, so a cancelled registration's file removes that reader's event only."""

from datetime import UTC

from django.utils.translation import gettext as _

from appointments.calendar_event import CalendarEvent, ics
from core import video
from core.organisation import organisation_acronym
from group_sessions.models import GroupSession, Registration, SessionMode


def place_text(session: GroupSession) -> str:
    """Where the session is held, as a line of text ("" by video)."""
    if session.mode != SessionMode.SERVICE_POINT or session.service_point is None:
        return ""
    point = session.service_point
    parts = [
        point.host_office,
        session.room,
        point.street_address,
        point.municipality.name,
        point.postal_code,
    ]
    return ", ".join(str(p) for p in parts if p)


def join_link(session: GroupSession, name: str) -> str:
    """A registrant's link to a video session ("" otherwise or once cancelled)."""
    if session.mode != SessionMode.VIDEO or not session.meeting_url or not session.is_scheduled:
        return ""
    return video.provider().join_url(
        session.meeting_url,
        participant=video.Participant(name=name),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )


def event_of(registration: Registration, *, cancelled: bool, manage_url: str = "") -> CalendarEvent:
    session = registration.session
    summary = _("Information session: %(topic)s (%(organisation)s)") % {
        "topic": session.topic.name,
        "organisation": organisation_acronym(),
    }
    if cancelled:
        summary = _("Cancelled: %(summary)s") % {"summary": summary}
    meeting = "" if cancelled else join_link(session, registration.company.legal_name)
    lines = [session.topic.name, session.description, place_text(session), meeting, session.materials_url]
    if manage_url and not cancelled:
        lines.append(manage_url)
    return CalendarEvent(
        uid=f"gs-{session.uid}-{registration.uid}@midi-regions",
        sequence=session.sequence + (1 if cancelled and session.is_scheduled else 0),
        starts_at=session.starts_at.astimezone(UTC),
        ends_at=session.ends_at.astimezone(UTC),
        time_zone=session.time_zone,
        summary=summary,
        description="\n\n".join(line for line in lines if line),
        location=place_text(session) or meeting,
        url="" if cancelled else manage_url,
        meeting_url=meeting,
        cancelled=cancelled,
    )


def calendar_file(registration: Registration, *, cancelled: bool = False, manage_url: str = "") -> bytes:
    return ics(event_of(registration, cancelled=cancelled, manage_url=manage_url))
