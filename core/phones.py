"""Telephone numbers: read as people type them, stored in E.164, shown in the national format.

People type "819 555-0101", "(819) 555-0101", "1-819-555-0101", "+1 819 555 0101" or digits of
another script ("８１９…", core.digits). `phonenumbers` (Google's libphonenumber) knows which
numbers can exist; a number without a country code is read as Canadian. A number of another
country is accepted when written with its "+" code (a foreign head office may take the call).
"""

import re

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import ascii_digits

DEFAULT_REGION = "CA"
MAX_LENGTH = 40  # E.164 is 16 characters at most; an extension adds ";ext=" and its digits

# "poste 12" is how Québec writes an extension; libphonenumber knows "ext." and "x".
_POSTE = re.compile(r"\b(?:poste|p\.)\s*", re.IGNORECASE)

INVALID_MESSAGE = _(
    "Enter a valid telephone number, with its area code, for example 819 555-0101 "
    "(a number outside Canada starts with + and its country code)."
)


def to_e164(value: str, *, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 ("+18195550101"), or ValidationError (code "invalid_phone").
    An extension ("poste 12", "ext. 12") is kept after ";ext=" as RFC 3966 writes it."""
    text = _POSTE.sub(" ext. ", ascii_digits(value or "")).strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


def display(value: str) -> str:
    """A stored number as people read it: national format for a Canadian number ("819 555-0101",
    as the Office québécois de la langue française writes it), international otherwise. A value
    that is not a number (an old free-text entry) is shown as it is."""
    if not value:
        return ""
    number_part, _sep, extension = value.partition(";ext=")
    try:
        number = phonenumbers.parse(number_part, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        national = str(number.national_number)
        text = f"{national[:3]} {national[3:6]}-{national[6:]}"
    else:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if extension:
        # Outside the f-string, where makemessages finds it.
        label = _("ext.")
        text = f"{text}, {label} {extension}"
    return text


def tel_uri(value: str) -> str:
    """A stored number as a tel: link (RFC 3966), so a phone or a softphone dials it."""
    number_part, _sep, extension = (value or "").partition(";ext=")
    return f"tel:{number_part}" + (f";ext={extension}" if extension else "")


class TelInput(forms.TextInput):
    input_type = "tel"


class PhoneField(forms.CharField):
    """A telephone number in any usual writing; cleaned to E.164 ("" when empty and optional)."""

    widget = TelInput
    default_error_messages = {"invalid_phone": INVALID_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "autocomplete": "tel"}

    def prepare_value(self, value):
        # A stored E.164 value shown back in a form reads like the rest of the page.
        return display(value) if isinstance(value, str) and value.startswith("+") else value

    def to_python(self, value):
        value = super().to_python(value)
        return to_e164(value) if value else value
