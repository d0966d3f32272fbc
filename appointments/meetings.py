"""The meeting room of a video appointment and each participant's link to it (core.video).

The room is made when the appointment is booked (`room_for`), kept when its time changes, given
the new adviser's permanent link on a reassignment when the provider uses fixed links, and
emptied when the appointment is cancelled (appointments.services). Links are computed when shown
(`employer_link`, `adviser_link`): only the participants' pages, emails and calendar file carry
them, never the adviser's calendar feed, a log line or the API of anyone else.
"""

from django.utils import timezone

from advisors.models import Advisor
from appointments.models import Appointment, Mode
from core import video


def room_for(advisor: Advisor, mode: str) -> str:
    """The room of a new appointment of this mode with this adviser ("" if not by video)."""
    if mode != Mode.VIDEO:
        return ""
    return video.provider().new_room(fixed_link=advisor.meeting_link)


def room_after_reassignment(appointment: Appointment, advisor: Advisor) -> str:
    """A fixed link is the adviser's own: the new adviser's replaces it. A room is kept."""
    if appointment.mode != Mode.VIDEO:
        return appointment.meeting_url
    if video.uses_fixed_links() or not appointment.meeting_url:
        return video.provider().new_room(fixed_link=advisor.meeting_link)
    return appointment.meeting_url


def _link(appointment: Appointment, participant: video.Participant) -> str:
    if (
        appointment.mode != Mode.VIDEO
        or not appointment.meeting_url
        or appointment.status != Appointment.Status.CONFIRMED
    ):
        return ""
    return video.provider().join_url(
        appointment.meeting_url,
        participant=participant,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
    )


def employer_link(appointment: Appointment) -> str:
    """The employer's link to the meeting ("" when there is none to give)."""
    return _link(appointment, video.Participant(name=appointment.company.legal_name))


def adviser_link(appointment: Appointment) -> str:
    """The adviser's link: the same room, as its moderator."""
    return _link(appointment, video.Participant(name=str(appointment.advisor), moderator=True))


def missing_fixed_link(advisor: Advisor) -> bool:
    """The provider needs the adviser's permanent link and they have not given it."""
    return video.uses_fixed_links() and not advisor.meeting_link


def fill_missing_rooms(advisor: Advisor | None = None) -> int:
    """Give a room to each upcoming confirmed video appointment that has none (booked before
    meeting links existed, or with an adviser who had no fixed link yet); returns how many.
    `advisor`: only theirs. Also `manage.py backfill_meeting_links`."""
    missing = Appointment.objects.filter(
        mode=Mode.VIDEO, status=Appointment.Status.CONFIRMED, starts_at__gt=timezone.now(), meeting_url=""
    ).select_related("advisor")
    if advisor is not None:
        missing = missing.filter(advisor=advisor)
    filled = 0
    for appointment in missing:
        room = video.provider().new_room(fixed_link=appointment.advisor.meeting_link)
        if room:
            # Only if still without one: a concurrent booking or backfill may have given it one.
            filled += Appointment.objects.filter(pk=appointment.pk, meeting_url="").update(meeting_url=room)
    return filled
