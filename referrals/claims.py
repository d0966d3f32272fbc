"""The signed link that lets a referred company's contact claim the account prepared for them.

The account already holds the company, the request or appointment the referral made: claiming
it only chooses a password (and verifies the address the link was sent to), so nothing the
partner entered is lost. The link names the user and the address; once a password is set it no
longer works (the person signs in instead).
"""

from allauth.account.models import EmailAddress
from django.core import signing
from django.db import transaction

from accounts.models import User
from core.signed_tokens import signed_fields

SALT = "referrals.claim"
MAX_AGE = 60 * 60 * 24 * 30  # 30 days


def claim_token(user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=SALT)


def user_for_claim(token: str) -> User | None:
    """The account the link may claim, or None (forged, expired, claimed or address changed)."""
    fields = signed_fields(token, salt=SALT, max_age=MAX_AGE, fields={"user": int, "email": str})
    if fields is None:
        return None
    user = User.objects.filter(pk=fields["user"], email=fields["email"], is_active=True).first()
    if user is None or user.has_usable_password():
        return None
    return user


def claim_account(*, user: User, password: str) -> User:
    """Set the password and mark the address verified (the link proved it)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    return user
