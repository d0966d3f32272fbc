"""Test clients: one signed in as a person, one with a personal API token; JSON posts, a booking body."""

import json

from django.test import Client

from accounts.tokens import create_token
from appointments.models import Mode


def signed_in(user, **client_kwargs) -> Client:
    """A client of its own signed in as `user` (None: an anonymous visitor); `client_kwargs` go to
    Client (REMOTE_ADDR, raise_request_exception…)."""
    client = Client(**client_kwargs)
    if user is not None:
        client.force_login(user)
    return client


def bearer(user) -> Client:
    _token, raw = create_token(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client, url, body=None, **extra):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


def booking_body(network, at, **extra):
    return {
        "topic": network.topic.code,
        "mode": Mode.SERVICE_POINT,
        "municipality": int(network.municipality_a.code),
        "advisor": network.advisor_a.pk,
        "service_point": network.point_a.pk,
        "starts_at": at.isoformat(),
        **extra,
    }
