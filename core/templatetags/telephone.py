"""`{{ number|tel_href }}`: a telephone number as written ("514 555-0107", "1 877 555-0130", or a
stored E.164 value) as the tel: link a phone dials (RFC 3966)."""

from django import template
from django.core.exceptions import ValidationError

from core import phones

register = template.Library()


@register.filter
def tel_href(value: str) -> str:
    try:
        return phones.tel_uri(phones.to_e164(value))
    except ValidationError:
        return ""
