"""Reading the payload of a signed token (django.core.signing) without trusting its shape.

The signature proves that someone with SECRET_KEY wrote the token, not that it has the shape
today's code expects: a token of an older format, one signed with a leaked key, or a bug could
carry a list, a missing key, a number where a UUID belongs. Each reader names the fields it
expects and their types; anything else is the same "invalid link" as a forged signature, never
an exception in the view (a 500, issue 18).
"""

import uuid
import zlib
from collections.abc import Callable
from typing import Any

from django.core import signing

BIGINT_MAX = 2**63 - 1  # a primary key PostgreSQL can compare with


def _primary_key(value: Any) -> int:
    # bool is an int in Python; 0, negatives and 2**63 are no row's key.
    if type(value) is not int or not 1 <= value <= BIGINT_MAX:
        raise ValueError("not a primary key")
    return value


def _uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str) or len(value) > 36 or not value.isascii():
        raise ValueError("not a UUID")
    return uuid.UUID(value)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


# The field types a payload may declare, each with its checking converter.
CONVERTERS: dict[type, Callable[[Any], Any]] = {int: _primary_key, uuid.UUID: _uuid, str: _string}


def signed_fields(token: str, *, salt: str, max_age: int, fields: dict[str, type]) -> dict[str, Any] | None:
    """The payload's `fields`, converted (int: a primary key, uuid.UUID, str), or None when the
    token is forged, expired, not JSON, not a dict, or lacks a field or has one of another type.
    Fields beyond `fields` are ignored (a later format may add some)."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, zlib.error):
        # ValueError: not base64, not UTF-8, not JSON (all signed: we or our key made them).
        return None
    if not isinstance(data, dict):
        return None
    try:
        return {name: CONVERTERS[kind](data[name]) for name, kind in fields.items()}
    except (KeyError, ValueError):
        return None
