"""Hostile inputs shared by the fuzzing tests: signed but malformed payloads, digits of other scripts."""

import uuid

# What a correctly signed payload could be instead of {"uid": "<uuid>"} or {"hold": <pk>}.
MALFORMED_PAYLOADS = [
    None,
    [],
    ["uid", "hold"],
    "a string",
    12,
    {},
    {"uid": "not-a-uuid", "hold": "not-a-pk"},
    {"uid": 12, "hold": "12"},
    {"uid": None, "hold": None},
    {"uid": ["x"], "hold": [1]},
    {"uid": {"x": 1}, "hold": {"x": 1}},
    {"uid": "", "hold": True},
    {"uid": "0" * 500, "hold": 2**63},
    {"uid": str(uuid.UUID(int=0)), "hold": -1},
    {"hold": 1.5, "uid": "١٢٣٤٥٦٧٨-1234-1234-1234-123456789012"},
]


def valid_profile(place, **overrides):
    data = {
        "first_name": "Josée",
        "last_name": "Gagnon",
        "job_title": "Propriétaire",
        "phone": "819 555-0101",
        "language": "fr-ca",
        "legal_name": "Boulangerie du Cap inc.",
        "neq": "1143 123 456",
        "sector": "44",
        "size": "5-19",
        "street_address": "12, rue des Forges",
        "postal_code": "g9a2g4",
        "municipality": place.name,
    }
    data.update(overrides)
    return data


# Issue 18: `\d` matches every script's digits, the database's [0-9] does not. Digits typed in
# another script (a phone's or a keyboard's input method) are read as the ASCII digits they are.
OTHER_DIGITS = {
    "fullwidth": "１１４３１２３４５６",
    "arabic-indic": "١١٤٣١٢٣٤٥٦",
    "devanagari": "११४३१२३४५६",
}


def to_script(text: str, script: str) -> str:
    zero = OTHER_DIGITS[script][3:4]  # the script's "1" is at 0, its "3" at 3: find its zero
    offset = ord(zero) - ord("3")
    return "".join(chr(ord(c) + offset) if c.isdigit() else c for c in text)


PASSWORD = "Un-mot-de-passe-solide-2026"
