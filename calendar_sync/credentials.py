"""Calendar addresses and passwords encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key is derived from settings.CALENDAR_CREDENTIALS_KEY (HKDF-SHA256), a secret of its own so
that rotating SECRET_KEY (sessions, signed links) does not lose every adviser's calendar. A
published ICS address is a credential too: its path is the only thing guarding the calendar.
Decrypted values are used for the request and dropped: never shown, logged or returned.
"""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class UnreadableCredential(Exception):
    """The stored value was encrypted under another key (CALENDAR_CREDENTIALS_KEY changed)."""


@cache
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"midi-calendar-sync").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.CALENDAR_CREDENTIALS_KEY).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.CALENDAR_CREDENTIALS_KEY).decrypt(token.encode("ascii")).decode()
    except InvalidToken as error:
        raise UnreadableCredential from error
