"""The window of dates the service accepts from outside: 1 January 2000 to 31 December 2100.

Python's dates stop at years 1 and 9999, so a date at either end overflows (a 500) as soon as the
code adds a day, looks a week ahead or converts to UTC. No appointment, time off or statistic of
this service lies outside the window, so every date and date-time that enters — query string,
form, JSON — is checked here, once, and the code behind never meets one that overflows: the form
fields (`DateField`, `DateTimeField`), the API fields (`ApiDateField`, `ApiDateTimeField`) and, for
values parsed by hand, `validate_within_window`. A date-time is judged by its own wall-clock date,
without converting it (the conversion is what overflows); inside the window any UTC offset is safe.
"""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def within_window(value: date | datetime) -> bool:
    """Whether the date (of a date-time: in its own offset) lies between EARLIEST and LATEST."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def out_of_window_message() -> str:
    return _("Choose dates between %(first)s and %(last)s.") % {"first": EARLIEST.year, "last": LATEST.year}


def validate_within_window(value: date | datetime | None) -> None:
    """The validator of every date and date-time field: ValidationError outside the window."""
    if value is not None and not within_window(value):
        raise ValidationError(out_of_window_message(), code="out_of_range")


class DateField(forms.DateField):
    """A form's date, within the window."""

    default_validators = [validate_within_window]


class DateTimeField(forms.DateTimeField):
    """A form's date-time, within the window."""

    default_validators = [validate_within_window]


class ApiDateField(serializers.DateField):
    """An API date (JSON body or query string), within the window: a 400 naming the field."""

    default_validators = [validate_within_window]


class ApiDateTimeField(serializers.DateTimeField):
    """An API date-time, within the window. Checked before DRF makes it aware or converts it to
    UTC, which is where year 1 and year 9999 overflow."""

    default_validators = [validate_within_window]

    def to_internal_value(self, value):
        parsed = value if isinstance(value, datetime) else None
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # DRF says "wrong format"
        if parsed is not None and not within_window(parsed):
            raise serializers.ValidationError(out_of_window_message(), code="out_of_range")
        return super().to_internal_value(value)
