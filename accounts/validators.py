"""The Québec enterprise number (NEQ): exactly 10 digits."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import ascii_digits

# ASCII digits only, as the database's check constraint (company_neq_ten_digits): `\d` would also
# match "１１４３…" (issue 18).
NEQ_RE = re.compile(r"^[0-9]{10}$")


def normalize_neq(value: str) -> str:
    """Drop the spaces and dashes people type and read digits of any script as ASCII:
    '1143 - 123 456' → '1143123456', '１１４３１２３４５６' → '1143123456'."""
    return re.sub(r"[\s-]", "", ascii_digits(value or ""))


def validate_neq(value: str) -> None:
    """The stored form: exactly 10 ASCII digits (forms normalise first, `normalize_neq`)."""
    if not NEQ_RE.match(value or ""):
        raise ValidationError(
            _("The Québec enterprise number (NEQ) has exactly 10 digits, for example 1143123456."),
            code="invalid_neq",
        )
