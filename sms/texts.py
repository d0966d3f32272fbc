"""The words of each text: one template per kind (`sms/texts/<kind>.txt`), in the person's
language, with the appointment's date and time in its zone, where it is held and a short link.

Every text must fit one segment (sms.segments): the templates are short, the values are folded
to GSM-7 ("Îles" → "Iles", ’ → '), and a place too long for the segment is left out (the link
shows it). The count is honest and stored with the message: a text that still needs two segments
(a name in another script) says so on the adviser's page and in the cost.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from appointments.models import Appointment, Mode
from core import local_time, typography
from sms import segments
from sms.models import SmsMessage


@dataclass(frozen=True)
class Text:
    body: str
    segments: int
    encoding: str


def place(appointment: Appointment) -> str:
    """Where, in a few words: the service point's town, or how the meeting is held."""
    if appointment.mode == Mode.SERVICE_POINT and appointment.service_point_id:
        return appointment.service_point.municipality.name
    if appointment.mode == Mode.PHONE:
        return _("by phone")
    if appointment.mode == Mode.VIDEO:
        return _("by video")
    return _("at your company")


def values(appointment: Appointment, *, link: str, with_place: bool = True) -> dict[str, str]:
    """In the active language."""
    zone = appointment.time_zone
    starts_at = local_time.in_zone(appointment.starts_at, zone)
    note = local_time.zone_note(zone)
    return {
        "day": typography.format_date(starts_at, "SHORT_DAY_FORMAT"),
        "time": typography.format_time(starts_at),
        "zone_note": f" {note}" if note else "",
        "place": place(appointment) if with_place else "",
        "link": link,
    }


def render(kind: str, appointment: Appointment, *, language: str, link: str) -> Text:
    """The text of `kind` for `appointment` in `language`, in one segment when at all possible."""
    template = f"sms/texts/{kind}.txt"
    with translation.override(language):
        for with_place in (True, False):
            context = values(appointment, link=link, with_place=with_place)
            body = segments.fold(" ".join(render_to_string(template, context).split()))
            counted = segments.count(body)
            if counted.segments == 1:
                break
    return Text(body, counted.segments, counted.encoding)


KINDS = [kind for kind, _label in SmsMessage.Kind.choices]
