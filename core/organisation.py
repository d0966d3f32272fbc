"""The organisation's names (settings.ORGANISATION), in the active language: one place to change
when the ministry is renamed again (MIDI became MIFI in 2019)."""

from django.conf import settings
from django.utils import translation


def organisation_name() -> str:
    """The ministry's full name in the active language."""
    names = settings.ORGANISATION
    language = translation.get_language() or settings.LANGUAGE_CODE
    return names["name_en"] if language.startswith("en") else names["name_fr"]


def organisation_acronym() -> str:
    return settings.ORGANISATION["acronym"]


def ics_prodid() -> str:
    """The PRODID of the calendar files we make (RFC 5545: ASCII, who made them)."""
    return f"-//{organisation_acronym()}//Conseillers regionaux en immigration//FR"
