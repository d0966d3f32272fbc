from datetime import timedelta

from django import template
from django.utils.formats import number_format
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration_days(value: timedelta | None) -> str:
    """A median duration for people: "3,5 days" / "5 h"."""
    if value is None:
        return ""
    hours = value.total_seconds() / 3600
    if hours < 48:
        n = round(hours)
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
    days = round(hours / 24, 1)
    return ngettext("%(n)s day", "%(n)s days", 2) % {"n": number_format(days, 1 if days % 1 else 0)}


@register.filter
def percent(value: float) -> str:
    return f"{number_format(value * 100, 0)} %"
