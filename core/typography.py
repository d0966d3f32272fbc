"""How dates, times, languages and names are written: Québec French (OQLF) and Canadian English.

Django's formats give « 1 décembre » and « 13 h 00 »; Québec French writes « 1er décembre » and
« 13 h » (« 13 h 30 » stays). Its format strings cannot say either, so every date and time the
site shows goes through here: the `date` and `time` template filters (core.templatetags.typography,
a template builtin that replaces Django's two filters of the same names, so no template can forget)
and, in Python, `format_date` and `format_time`.

Besides Django's named formats (DATE_FORMAT…), the format modules (core/formats/<lang>/formats.py)
name a few of our own, so a template says what it shows and each language says how:
WEEKDAY_DATE_FORMAT (« mardi 1er décembre 2026 », "Tuesday, December 1, 2026"), WEEKDAY_DAY_FORMAT
(no year), SHORT_DAY_FORMAT (« 1er déc. », "Dec. 1", for chart axes) and SHORT_DATE_FORMAT_WITH_YEAR.

`de(name)` writes « de » before a name with the elision French requires: « Demande d’Usinage
Laviolette inc. », « de Boulangerie du Cap ». `language_name(code)` names a language (« Français »)
instead of showing its code.
"""

import re
from datetime import date, datetime, time

from django.conf import settings
from django.utils import formats, translation
from django.utils.dateformat import DateFormat, TimeFormat
from django.utils.translation import gettext

OUR_FORMATS = (
    "WEEKDAY_DATE_FORMAT",
    "WEEKDAY_DAY_FORMAT",
    "SHORT_DAY_FORMAT",
    "SHORT_DATE_FORMAT_WITH_YEAR",
)
ON_THE_HOUR = re.compile(r"(\d) h 00\b")


def is_french() -> bool:
    return not (translation.get_language() or settings.LANGUAGE_CODE).startswith("en")


def get_format(name: str) -> str:
    """The format string `name` in the active language: Django's named formats, ours
    (OUR_FORMATS, read from core/formats/<lang>/formats.py), or `name` itself (a literal format)."""
    if name in OUR_FORMATS:
        language = translation.get_language() or settings.LANGUAGE_CODE
        for module in formats.iter_format_modules(language, settings.FORMAT_MODULE_PATH):
            if hasattr(module, name):
                return getattr(module, name)
        raise ValueError(f"{name} is not defined for {language} in {settings.FORMAT_MODULE_PATH}")
    return formats.get_format(name)


class QuebecDateFormat(DateFormat):
    """Django's date formatting, with the French ordinal of the first of the month (OQLF)."""

    def j(self):
        day = super().j()
        return "1er" if day == 1 and is_french() else day


def format_date(value: date | datetime, format_name: str | None = None) -> str:
    """`value` (a date, or a date-time already in the zone to show) in `format_name` (DATE_FORMAT
    by default), e.g. « 1er décembre 2026 », "December 1, 2026"."""
    return QuebecDateFormat(value).format(get_format(format_name or "DATE_FORMAT"))


def on_the_hour(text: str) -> str:
    """« 13 h 00 » → « 13 h » in French (OQLF: no zero minutes); « 13 h 30 » stays."""
    return ON_THE_HOUR.sub(r"\1 h", text) if is_french() else text


def format_time(value: time | datetime, format_name: str | None = None) -> str:
    """`value` in `format_name` (TIME_FORMAT by default): « 13 h », « 9 h 05 », "1:00 p.m."."""
    return on_the_hour(TimeFormat(value).format(get_format(format_name or "TIME_FORMAT")))


def format_datetime(value: datetime, format_name: str | None = None) -> str:
    """`value` in `format_name` (DATETIME_FORMAT by default): « 1er décembre 2026, 13 h »."""
    return on_the_hour(format_date(value, format_name or "DATETIME_FORMAT"))


# Words starting with an h that is not aspirated: « l’hôtel », « d’Hydro-Québec ». Other names
# starting with h keep « de » (« de Hamel »), as aspirated h and most family names do.
MUTE_H = ("hôtel", "hotel", "hôpital", "hopital", "hydro", "habitation", "héritage", "horticulture", "huile")
VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"


def elides(word: str) -> bool:
    """Whether French elides « de », « le », « que »… before `word` (a vowel or a mute h)."""
    lowered = word.lower()
    return bool(lowered) and (lowered[0] in VOWELS or lowered.startswith(MUTE_H))


def de(name: str) -> str:
    """« de » + `name` in French, elided before a vowel: « d’Usinage Laviolette inc. »,
    « d’Hydro-Québec », « de Boulangerie du Cap ». A name starting with the article « Le » or
    « Les » contracts: « du Groupe Lune », « des Entreprises Roy »."""
    name = name.strip()
    first, _space, rest = name.partition(" ")
    if rest and first in ("Le", "Les"):
        return f"{'du' if first == 'Le' else 'des'} {rest}"
    return f"d’{name}" if elides(name) else f"de {name}"


def with_colon(label: str) -> str:
    """A label before what it introduces: « Municipalité : » (a non-breaking space before the colon
    in French), "Municipality:"; a label that ends in ? ! or : is left as it is (« …discuter? »,
    never « …discuter?: »)."""
    label = str(label).rstrip()
    if not label or label[-1] in "?!:":
        return label
    return f"{label}\xa0:" if is_french() else f"{label}:"


def language_name(code: str) -> str:
    """The language `code` ("fr", "fr-ca", "en", "es"…) named in the active language: « Français »,
    "English" (Django's names). Unknown codes are returned as they are."""
    try:
        info = translation.get_language_info(code)
    except KeyError:
        try:
            info = translation.get_language_info(code.split("-")[0])
        except KeyError:
            return code
    return gettext(info["name"])
