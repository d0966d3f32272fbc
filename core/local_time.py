"""The legal time zones of Québec and how a page names them.

Times are stored in UTC and shown in the zone of a place: Eastern time almost everywhere
(America/Toronto), Atlantic time in the Îles-de-la-Madeleine (America/Halifax, with daylight
saving time) and on the Lower North Shore east of the Natashquan River (America/Blanc-Sablon,
Atlantic standard time all year). Which place is in which zone is data (the municipalities'
`time_zone`, service_points/data/quebec_time_zones.csv); this module only knows the zones.

A time in Eastern time is written bare, as every Québécois reads it; any other zone is named
after the time: « 13 h (heure de l'Atlantique) ».
"""

from datetime import datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Zone(models.TextChoices):
    """The zones a Québec municipality can be in (IANA names)."""

    EASTERN = "America/Toronto", _("Eastern time")
    ATLANTIC = "America/Halifax", _("Atlantic time")
    ATLANTIC_STANDARD = "America/Blanc-Sablon", _("Atlantic time (no daylight saving time)")


# The zone a time is written without its name (most of Québec, and the zone of settings.TIME_ZONE).
EASTERN = Zone.EASTERN.value

# What follows a time in another zone, for the few words a sentence has room for: both Atlantic
# zones read "Atlantic time" to a person (Blanc-Sablon's clocks just do not change).
SHORT_LABELS = {
    Zone.EASTERN.value: _("Eastern time"),
    Zone.ATLANTIC.value: _("Atlantic time"),
    Zone.ATLANTIC_STANDARD.value: _("Atlantic time"),
}


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo of an IANA name (ZoneInfo's own cache, kept per name)."""
    return ZoneInfo(name)


def zone_name(value: tzinfo | str | None) -> str:
    """The IANA name of a zone given as a name or a tzinfo ("" for a fixed offset)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return getattr(value, "key", "") or ""


def is_eastern(value: tzinfo | str) -> bool:
    """Whether times in `value` are written without the zone's name: Eastern time, which is also
    what America/Montreal (a link to America/Toronto) and America/Toronto are."""
    return zone_name(value) in (EASTERN, "America/Montreal")


def zone_label(value: tzinfo | str) -> str:
    """The zone as a person names it, in the active language: « heure de l'Atlantique »,
    "Eastern time"; an unknown zone by its IANA name."""
    name = zone_name(value)
    if name == "America/Montreal":
        name = EASTERN
    return str(SHORT_LABELS.get(name, name))


def zone_note(value: tzinfo | str) -> str:
    """What follows a time in `value`: "" in Eastern time, else « (heure de l'Atlantique) »."""
    return "" if is_eastern(value) else f"({zone_label(value)})"


def current_zone_note() -> str:
    """zone_note of the zone pages and emails are being rendered in (timezone.override)."""
    return zone_note(timezone.get_current_timezone())


def in_zone(moment: datetime, name: str) -> datetime:
    """`moment` (aware) as the wall-clock time of zone `name`."""
    return moment.astimezone(zone(name))
