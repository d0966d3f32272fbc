"""Telephone numbers: read in any usual writing, stored in E.164, shown as Québec writes them."""

import pytest
from django import forms
from django.utils import translation

from core import phones


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("819 555-0101", "+18195550101"),
        ("(819) 555-0101", "+18195550101"),
        ("1 819 555-0101", "+18195550101"),
        ("+1 819 555 0101", "+18195550101"),
        ("８１９ ５５５ ０１０１", "+18195550101"),  # fullwidth, as a phone's input method sends
        ("819 555-0101 poste 12", "+18195550101;ext=12"),
        ("+33 1 42 68 53 00", "+33142685300"),  # abroad, with its country code
    ],
)
def test_it_stores_e164(typed, stored):
    assert phones.to_e164(typed) == stored


@pytest.mark.parametrize("typed", ["", "555-0101", "819 555 01011", "abc", "+1 123 456 7890", "¹²³"])
def test_it_refuses_what_cannot_be_a_number(typed):
    with pytest.raises(forms.ValidationError) as error:
        phones.to_e164(typed)
    assert error.value.code == "invalid_phone"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+18195550101", "819 555-0101"),
        ("+18195550101;ext=12", "819 555-0101, ext. 12"),
        ("+33142685300", "+33 1 42 68 53 00"),
        ("819-555-0101 (old free text)", "819-555-0101 (old free text)"),
        ("", ""),
    ],
)
def test_it_shows_the_national_format(stored, shown):
    with translation.override("en"):
        assert phones.display(stored) == shown


def test_an_extension_reads_poste_in_french():
    with translation.override("fr-ca"):
        assert phones.display("+18195550101;ext=12") == "819 555-0101, poste 12"


def test_the_field_cleans_to_e164_and_shows_a_stored_number_back_nationally():
    field = phones.PhoneField(required=False)
    assert field.clean("819-555-0101") == "+18195550101"
    assert field.clean("") == ""
    assert field.prepare_value("+18195550101") == "819 555-0101"
