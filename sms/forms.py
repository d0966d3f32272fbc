"""The person's text preferences: a Canadian mobile number, explicit consent, which texts."""

import re

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import ascii_digits
from core.phones import DEFAULT_REGION, TelInput, display
from sms.models import SmsContact

MALFORMED = _("Enter a mobile number with its area code, for example 819 555-0101.")
NOT_CANADIAN = _("Texts go to Canadian mobile numbers only (+1). Enter a number of a Canadian mobile phone.")
NOT_MOBILE = _("This number cannot receive texts (toll-free or special service). Enter a mobile number.")
EXTENSION = _("A mobile number has no extension. Enter the number alone.")
NOT_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.PAGER,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL,
)
_POSTE = re.compile(r"\b(?:poste|p\.)\s*", re.IGNORECASE)
NEEDS_NUMBER = _("Enter the mobile number the texts should go to.")


def canadian_mobile(value: str) -> str:
    """`value` as E.164 if it can be a Canadian mobile number, else ValidationError."""
    # « poste 12 » is how Québec writes an extension (core.phones reads it the same way).
    text = _POSTE.sub(" ext. ", ascii_digits(value or "")).strip()
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(MALFORMED, code="malformed") from None
    if number.extension:
        raise ValidationError(EXTENSION, code="extension")
    kind = phonenumbers.number_type(number)
    if phonenumbers.is_valid_number(number) and kind in NOT_MOBILE_TYPES:
        # Toll-free and premium numbers are shared by the whole North American plan.
        raise ValidationError(NOT_MOBILE, code="not_mobile")
    if number.country_code != 1 or (
        phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) != "CA"
    ):
        raise ValidationError(NOT_CANADIAN, code="not_canadian")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(MALFORMED, code="malformed")
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValidationError(NOT_MOBILE, code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class SmsPreferencesForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        required=False,
        widget=TelInput(attrs={"autocomplete": "tel"}),
        help_text=_("A Canadian mobile number, for example 819 555-0101."),
    )
    opted_in = forms.BooleanField(
        label=_("I agree to receive texts about my appointments at this number."),
        required=False,
        help_text=_(
            "We do not charge for texts; your provider's usual rates may apply. Reply STOP to stop them."
        ),
    )
    changes = forms.BooleanField(label=_("Confirmations, changes and cancellations"), required=False)
    reminders = forms.ChoiceField(
        label=_("Reminders by text"),
        choices=SmsContact.Reminders.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose which reminders you want by text.")},
    )

    @classmethod
    def initial_for(cls, contact: SmsContact | None) -> dict:
        if contact is None:
            return {"changes": True, "reminders": SmsContact.Reminders.ALL}
        return {
            "number": display(contact.number),
            "opted_in": contact.opted_in_at is not None,
            "changes": contact.changes,
            "reminders": contact.reminders,
        }

    def clean_number(self) -> str:
        value = self.cleaned_data["number"]
        return canadian_mobile(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        if data.get("opted_in") and not data.get("number") and "number" not in self.errors:
            self.add_error("number", ValidationError(NEEDS_NUMBER, code="required"))
        return data
