"""Template helpers for the booking pages."""

from datetime import UTC, datetime

from django import template

from appointments.forms import WEEKDAYS
from core import phones

register = template.Library()


@register.filter
def utc_param(moment: datetime) -> str:
    """An aware datetime as a compact UTC query parameter: 2026-11-26T14:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.filter
def weekday_name(index: int) -> str:
    """0 → "Monday", in the active language."""
    return str(dict(WEEKDAYS).get(index, ""))


@register.filter
def phone(value: str) -> str:
    """A stored number (E.164) as people read it: "819 555-0101"."""
    return phones.display(value)
