"""The signature of a delivery, and how a partner checks it (documented on the API reference page).

Headers of each POST:
  Webhook-Id: the event id (the same at each retry: a receiver ignores an id it has processed)
  Webhook-Timestamp: seconds since the epoch when this attempt was signed
  Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>

A receiver recomputes the HMAC over the raw body it received, compares in constant time, and
refuses a timestamp more than 5 minutes away from its clock (replays).
"""

import hashlib
import hmac

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "MIFI-Rendez-vous-Webhooks/1",
        "Webhook-Id": event_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature(secret, timestamp, body),
    }


def verify(*, secret: str, body: bytes, timestamp: str, signature_header: str, now: int) -> bool:
    """What a receiver does (the API reference's example; our tests' receiver uses it)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, sent_at, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature_header.split(","))
