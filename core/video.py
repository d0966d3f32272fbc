"""Meeting links for video appointments: one interface, the provider chosen by settings.

`settings.VIDEO_PROVIDER` names it:

- ``"jitsi"`` (default): a room on the organisation's Jitsi Meet server (`JITSI_SERVER_URL`),
  named with 96 random bits so nobody finds it by guessing. When the server checks tokens
  (`JITSI_APP_ID` and `JITSI_APP_SECRET` set, Prosody's token authentication), each join link
  carries a JWT (HS256, PyJWT) for that room only, valid from an hour before the meeting to an
  hour after it; the adviser's token makes them moderator. Without a secret the room's name is
  the only key.
- ``"fixed"``: the adviser's own permanent link (a Teams or Zoom meeting a ministry imposes);
  an adviser who has not given one gets none, and their pages ask for it.

A room is made once per meeting (`new_room`), kept when the time changes, and dropped by the
caller when the meeting is cancelled; the join link (`join_url`) is computed each time it is
shown, so a token never outlives its meeting and nothing secret is stored. Knows no domain:
callers pass the adviser's fixed link and the names to show.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote, urlsplit

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A token opens the room from this long before the meeting until this long after it.
TOKEN_MARGIN = timedelta(hours=1)
ROOM_PREFIX = "rv-"


@dataclass(frozen=True)
class Participant:
    """Who a join link is for: the name the meeting shows, and whether they moderate."""

    name: str
    moderator: bool = False


class VideoProvider(Protocol):
    def new_room(self, *, fixed_link: str = "") -> str:
        """The address of a new meeting room ("" when the provider has none to give)."""

    def join_url(
        self, room_url: str, *, participant: Participant, starts_at: datetime, ends_at: datetime
    ) -> str:
        """The link a participant follows to join the room at `room_url`."""


class JitsiMeet:
    """Rooms on a Jitsi Meet server, with JWTs when the server is configured to require them."""

    def __init__(self, server_url: str, *, app_id: str = "", secret: str = "") -> None:
        parts = urlsplit(server_url)
        if parts.scheme != "https" or not parts.netloc:
            raise ImproperlyConfigured("JITSI_SERVER_URL must be an https:// address")
        self.server_url = server_url.rstrip("/")
        self.domain = parts.hostname or ""
        self.app_id = app_id
        self.secret = secret

    def new_room(self, *, fixed_link: str = "") -> str:
        return f"{self.server_url}/{ROOM_PREFIX}{secrets.token_hex(12)}"

    def join_url(
        self, room_url: str, *, participant: Participant, starts_at: datetime, ends_at: datetime
    ) -> str:
        if not (self.app_id and self.secret) or not room_url.startswith(self.server_url + "/"):
            return room_url
        room = room_url.removeprefix(self.server_url + "/")
        claims = {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": self.domain,
            "room": room,
            "nbf": int((starts_at - TOKEN_MARGIN).timestamp()),
            "exp": int((ends_at + TOKEN_MARGIN).timestamp()),
            "context": {"user": {"name": participant.name}},
            "moderator": participant.moderator,
        }
        token = jwt.encode(claims, self.secret, algorithm="HS256")
        return f"{room_url}?jwt={quote(token)}"


class FixedLink:
    """The adviser's own permanent meeting link, the same for all their meetings."""

    def new_room(self, *, fixed_link: str = "") -> str:
        return fixed_link

    def join_url(
        self, room_url: str, *, participant: Participant, starts_at: datetime, ends_at: datetime
    ) -> str:
        return room_url


def provider() -> VideoProvider:
    """The provider the settings choose."""
    name = settings.VIDEO_PROVIDER
    if name == "jitsi":
        return JitsiMeet(
            settings.JITSI_SERVER_URL, app_id=settings.JITSI_APP_ID, secret=settings.JITSI_APP_SECRET
        )
    if name == "fixed":
        return FixedLink()
    raise ImproperlyConfigured(f"VIDEO_PROVIDER must be 'jitsi' or 'fixed', not {name!r}")


def uses_fixed_links() -> bool:
    """Whether each adviser must give their own permanent link."""
    return settings.VIDEO_PROVIDER == "fixed"
