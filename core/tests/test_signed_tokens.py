"""Signed links whose signature is right but whose payload is not what we sign (issue 18): the
manage link of an appointment and the waitlist offer answer the "invalid link" page (400), never
a 500. Such a payload needs SECRET_KEY (a leaked old key, a future format, our own bug); the
other secret URLs (invitations, the adviser's feed, API tokens) are random strings looked up in
the database, fuzzed in tests/test_fuzz_inputs.py."""

import uuid

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from appointments import links
from tests.inputs import MALFORMED_PAYLOADS
from waitlist import services as waitlist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

LINKS = [
    ("appointments:manage", links.SALT),
    ("appointments:offer", waitlist.OFFER_SALT),
]


def raw_signed(payload: bytes, salt: str) -> str:
    """A correctly signed token whose payload is not JSON at all (or not UTF-8, or not zlib)."""
    return signing.TimestampSigner(salt=salt).sign(signing.b64_encode(payload).decode())


@pytest.mark.parametrize(("name", "salt"), LINKS)
@pytest.mark.parametrize("payload", MALFORMED_PAYLOADS, ids=lambda payload: repr(payload)[:40])
def test_a_correctly_signed_link_with_a_malformed_payload_is_an_invalid_link(world, name, salt, payload):
    client = Client(raise_request_exception=False)
    token = signing.dumps(payload, salt=salt, compress=True)
    for response in (client.get(reverse(name, args=[token])), client.post(reverse(name, args=[token]))):
        assert response.status_code == 400, (payload, response.status_code)
        assert "lien" in response.content.decode().lower()


@pytest.mark.parametrize(("name", "salt"), LINKS)
@pytest.mark.parametrize("payload", [b"not json", b"\xff\xfe", b"[1, 2", b"", b"\x00" * 3])
def test_a_correctly_signed_link_that_is_not_json_is_an_invalid_link(world, name, salt, payload):
    token = raw_signed(payload, salt)
    client = Client(raise_request_exception=False)
    assert client.get(reverse(name, args=[token])).status_code == 400
    # "." flags a zlib-compressed payload; the signature covers it.
    compressed = signing.TimestampSigner(salt=salt).sign("." + signing.b64_encode(payload).decode())
    assert client.get(reverse(name, args=[compressed])).status_code == 400


def test_the_shape_is_checked_field_by_field():
    from core.signed_tokens import signed_fields

    token = signing.dumps({"uid": str(uuid.UUID(int=1)), "extra": 1}, salt="s")
    assert signed_fields(token, salt="s", max_age=60, fields={"uid": uuid.UUID}) == {"uid": uuid.UUID(int=1)}
    for payload in ({"uid": 1}, {"uid": "x"}, {"uid": None}, {}, ["uid"], "uid", None):
        token = signing.dumps(payload, salt="s")
        assert signed_fields(token, salt="s", max_age=60, fields={"uid": uuid.UUID}) is None
    for pk in (True, -1, 0, 2**63, 1.5, "1"):
        token = signing.dumps({"pk": pk}, salt="s")
        assert signed_fields(token, salt="s", max_age=60, fields={"pk": int}) is None
    assert signed_fields(signing.dumps({"pk": 7}, salt="s"), salt="s", max_age=60, fields={"pk": int}) == {
        "pk": 7
    }
