"""The Québec enterprise number (NEQ): exactly 10 digits."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NEQ_RE = re.compile(r"^\d{10}$")


def normalize_neq(value: str) -> str:
    """Drop the spaces and dashes people type: '1143 - 123 456' → '1143123456'."""
    return re.sub(r"[\s-]", "", value or "")


def validate_neq(value: str) -> None:
    if not NEQ_RE.match(normalize_neq(value)):
        raise ValidationError(
            _("The Québec enterprise number (NEQ) has exactly 10 digits, for example 1143123456."),
            code="invalid_neq",
        )
