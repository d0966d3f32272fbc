"""Short signed links in texts: `<SMS_LINK_BASE_URL>/t/<code>`, the code 7 characters of an HMAC
of the message's id then the id, both in base 62 ("k3R9xQa1Bz"): ~42 bits of signature cost a
guesser billions of requests, and a text has room for 160 characters only. The link opens a page
about that appointment (manage it, stop texts), in the language the text was written in."""

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SIGNATURE_LENGTH = 7
SALT = "sms.links"


def _base62(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
        if not number:
            return "".join(reversed(digits))


def _signature(pk: int, secret: str | None = None) -> str:
    digest = salted_hmac(SALT, str(pk), secret=secret, algorithm="sha256").digest()
    return _base62(int.from_bytes(digest[:8], "big")).rjust(SIGNATURE_LENGTH, "0")[:SIGNATURE_LENGTH]


def code_for(pk: int) -> str:
    return _signature(pk) + _base62(pk)


def message_id(code: str) -> int | None:
    """The message id a code was made for, or None when it is not one of ours."""
    if not 8 <= len(code) <= 20 or any(ch not in ALPHABET for ch in code):
        return None
    signature, encoded = code[:SIGNATURE_LENGTH], code[SIGNATURE_LENGTH:]
    pk = 0
    for ch in encoded:
        pk = pk * 62 + ALPHABET.index(ch)
    if not 1 <= pk < 2**63:
        return None
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if constant_time_compare(signature, _signature(pk, secret)):
            return pk
    return None


def short_url(pk: int) -> str:
    return settings.SMS_LINK_BASE_URL + reverse("sms_short_link", kwargs={"code": code_for(pk)})
