"""Validators for Canadian postal codes, reused by models and forms."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import ascii_digits

# Letters D, F, I, O, Q, U never appear; W and Z never lead (Canada Post rules).
# [0-9], not \d: \d also matches "٩" or "９", which nothing downstream reads (issue 18).
POSTAL_CODE_RE = re.compile(r"^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]$")


def normalize_postal_code(value: str) -> str:
    """'g9a5s9' -> 'G9A 5S9', 'g٩a5s٩' -> 'G9A 5S9' (no validation)."""
    compact = re.sub(r"\s+", "", ascii_digits(value or "")).upper()
    return f"{compact[:3]} {compact[3:]}" if len(compact) == 6 else compact


def validate_postal_code(value: str) -> None:
    """Case and spacing aside, the stored form: ASCII only (forms normalise digits first)."""
    if not (value or "").isascii() or not POSTAL_CODE_RE.match(normalize_postal_code(value)):
        raise ValidationError(
            _("Enter a valid Canadian postal code, for example G9A 5S9."),
            code="invalid_postal_code",
        )
