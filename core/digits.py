"""Digits typed in any script, read as the ASCII digits they are.

A phone's keyboard or an input method can send "１１４３" (fullwidth), "١١٤٣" (Arabic-Indic) or
"११४३" (Devanagari). Python's `\\d` and `int()` accept them, PostgreSQL's `[0-9]` does not: a
number that passed a form could then be refused by a check constraint (a 500, issue 18).
Normalising first is friendlier than refusing; validators then match ASCII only (`[0-9]`).
"""

import unicodedata


def ascii_digits(value: str) -> str:
    """Every decimal digit (Unicode category Nd) as its ASCII digit; other characters unchanged.
    Superscripts and circled digits are not decimal digits: they stay, and fail validation."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in value)
