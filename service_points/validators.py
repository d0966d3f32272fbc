"""Validators for Canadian postal codes, reused by models and forms."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Letters D, F, I, O, Q, U never appear; W and Z never lead (Canada Post rules).
POSTAL_CODE_RE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$")


def normalize_postal_code(value: str) -> str:
    """'g9a5s9' -> 'G9A 5S9' (no validation)."""
    compact = re.sub(r"\s+", "", value or "").upper()
    return f"{compact[:3]} {compact[3:]}" if len(compact) == 6 else compact


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE_RE.match(normalize_postal_code(value)):
        raise ValidationError(
            _("Enter a valid Canadian postal code, for example G9A 5S9."),
            code="invalid_postal_code",
        )
