"""Dates, times, names and languages as Québec French and Canadian English write them (core.typography).

A template builtin (settings.TEMPLATES, "builtins"): its `date` and `time` filters replace Django's,
so every template — ours, allauth's, the admin's — writes « 1er décembre » and « 13 h », and
understands our named formats (WEEKDAY_DATE_FORMAT…). Same arguments and fallbacks as Django's.
"""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as raw_date_format
from django.utils.dateformat import time_format as raw_time_format

from core import local_time, typography

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's `date` filter, with « 1er » and « 13 h » in French and our named formats."""
    if value in (None, ""):
        return ""
    try:
        return typography.on_the_hour(typography.format_date(value, arg))
    except AttributeError:
        try:
            return raw_date_format(value, arg)
        except AttributeError:
            return ""


@register.filter(expects_localtime=True, is_safe=False)
def time(value, arg=None):
    """Django's `time` filter, with « 13 h » (not « 13 h 00 ») in French."""
    if value in (None, ""):
        return ""
    try:
        return typography.format_time(value, arg)
    except (AttributeError, TypeError):
        try:
            return typography.on_the_hour(raw_time_format(value, arg))
        except (AttributeError, TypeError):
            return ""


@register.filter(is_safe=False)
def de(name):
    """In French, « de » + the name with its elision: {{ company.legal_name|de }} → « d’Usinage
    Laviolette inc. »; in English, the name as it is. For a message whose English has its own
    preposition ("Request from %(company)s") and whose French takes it from the name
    (« Demande %(company)s »): the translator's comment in the template says so."""
    return typography.de(str(name)) if typography.is_french() else str(name)


@register.filter(is_safe=False)
def with_colon(label):
    """{{ field.label|with_colon }} {{ error }}: « Municipalité : … », never « discuter?: … »."""
    return typography.with_colon(label)


@register.filter(is_safe=False)
def language_label(code):
    """A language code named in the active language: {{ request.language|language_label }} →
    « Français »; an unknown code as it is. (Django's i18n `language_name` names it in English
    and fails on an unknown code; a template that loads i18n would hide a filter of that name.)"""
    return typography.language_name(str(code)) if code else ""


@register.simple_tag
def zone_note(zone=None):
    """Right after a time: « (heure de l’Atlantique) », with its leading space, when the page is
    rendered in (or `zone` is) a zone other than Eastern time; nothing in Eastern time.
    {{ end|time:"TIME_FORMAT" }}{% zone_note %} → « 14 h (heure de l’Atlantique) »."""
    note = local_time.zone_note(zone) if zone else local_time.current_zone_note()
    return f" {note}" if note else ""


@register.simple_tag
def zone_label(zone=None):
    """The zone the page is rendered in (or `zone`), named: « heure de l’Est », "Atlantic time"."""
    return local_time.zone_label(zone or timezone.get_current_timezone())
