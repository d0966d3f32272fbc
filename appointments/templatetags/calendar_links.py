"""Template helpers for an appointment on the employer's pages: the "Add to my calendar" menu, the
office to call, the number the adviser calls (appointments.calendar_event) and the link to join a
video meeting (appointments.meetings)."""

from django import template
from django.urls import reverse

from appointments import calendar_event, links, meetings
from appointments.models import Appointment
from core import video

register = template.Library()


@register.inclusion_tag("appointments/partials/add_to_calendar.html")
def add_to_calendar(appointment: Appointment, token: str = "", compact: bool = False) -> dict:
    """Google, Outlook.com, Microsoft 365 and the .ics download of an upcoming appointment. With
    the emailed link's `token`, the download goes through that link (no session needed). A list
    page gives each row its checklist names beforehand (`checklist_names`): no query a row."""
    if token:
        download = reverse("appointments:manage_calendar_file", args=[token])
    else:
        download = reverse("appointments:calendar_file", args=[appointment.uid])
    menu = calendar_event.add_to_calendar(
        appointment,
        download_url=download,
        link=links.manage_url(appointment),
        items=getattr(appointment, "checklist_names", None),
    )
    return {"appointment": appointment, "links": menu, "compact": compact}


@register.simple_tag
def office_of(appointment: Appointment):
    """The service point to call about the appointment (its name, telephone), or None."""
    return calendar_event.office_of(appointment)


@register.simple_tag
def phone_to_call(appointment: Appointment) -> str:
    """For a phone appointment, the number the adviser calls, as people read it."""
    return calendar_event.phone_to_call(appointment)


@register.simple_tag
def employer_meeting_link(appointment: Appointment) -> str:
    """For a video appointment, the employer's link to join the meeting ("" if none)."""
    return meetings.employer_link(appointment)


@register.simple_tag
def adviser_meeting_link(appointment: Appointment) -> str:
    """For a video appointment, the adviser's link to the same room, as its moderator."""
    return meetings.adviser_link(appointment)


@register.simple_tag
def uses_fixed_meeting_links() -> bool:
    """Whether each adviser gives their own permanent meeting link (settings.VIDEO_PROVIDER)."""
    return video.uses_fixed_links()
