"""`{% organisation_name %}` and `{% organisation_acronym %}`: the ministry's names where no request
(and so no context processor) is at hand, in emails and the reminders rendered once per language."""

from django import template

from core import organisation

register = template.Library()


@register.simple_tag
def organisation_name() -> str:
    return organisation.organisation_name()


@register.simple_tag
def organisation_acronym() -> str:
    return organisation.organisation_acronym()
