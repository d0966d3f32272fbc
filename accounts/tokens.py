"""Personal API tokens: created and revoked by their owner, stored as a SHA-256 digest.

A token reads `midi_<prefix>_<secret>`. The prefix (public, shown in the list of tokens) finds
the row; the secret (32 random bytes) is compared by digest in constant time. A plain digest is
enough for a random 256-bit secret: slow password hashes protect guessable secrets, and would
cost every API call tens of milliseconds.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.access import Role, role_of
from accounts.models import ApiToken, User
from core.errors import ServiceError

PREFIX = "midi_"
MAX_ACTIVE_TOKENS = 10
# `last_used_at` is written at most once per interval, so a busy integration is not one UPDATE
# per call.
TOUCH_INTERVAL = timedelta(minutes=5)


class TokenError(ServiceError):
    """The token cannot be created or revoked; `code` says why."""


TOO_MANY = "too_many"
NOT_ALLOWED = "not_allowed"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    """Every signed-in role except a new user without a profile."""
    return role_of(user) not in (Role.ANONYMOUS, Role.NEW_USER)


def active_tokens(user: User):
    now = timezone.now()
    return (
        ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        .exclude(expires_at__lte=now)
        .order_by("-created_at")
    )


def create_token(*, user: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the full token, which is never shown again."""
    if not may_hold_tokens(user):
        raise TokenError(NOT_ALLOWED)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # count and insert together
        if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
            raise TokenError(TOO_MANY)
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, digest=_digest(secret), expires_at=expires_at
        )
    return token, f"{PREFIX}{prefix}_{secret}"


def revoke_token(*, user: User, pk: int) -> bool:
    """Revoke one of the user's own tokens; False if it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(user=user, pk=pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def user_for_token(raw: str) -> User | None:
    """The active user a presented token belongs to, or None for anything else."""
    if not raw.startswith(PREFIX):
        return None
    prefix, _, secret = raw[len(PREFIX) :].partition("_")
    if not prefix or not secret or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
