"""Emails of referrals: the partner is told when a referral's status changes (the status only,
never what the adviser wrote); the company's contact is invited to claim the account the referral
prepared. Each in the recipient's language."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.emails import build_email
from referrals.claims import claim_token
from referrals.models import Referral

EMAILS = "referrals/email/"


def _absolute(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs=kwargs)


def send_status_email(*, referral_id: int, status: str) -> int:
    """Tell the partner the referral's new status (skipped when it changed again meanwhile)."""
    referral = Referral.objects.select_related("partner", "company").filter(pk=referral_id).first()
    if referral is None or referral.status != status or not referral.partner.is_active:
        return 0
    partner = referral.partner
    with translation.override(partner.language):
        context = {
            "referral": referral,
            "user": partner,
            "status": referral.get_status_display(),
            "link": _absolute("referrals:detail", partner.language, uid=referral.uid),
        }
        build_email("referral_status", context, to=[partner.email], folder=EMAILS).send()
    return 1


def send_claim_email(*, referral_id: int) -> int:
    """Invite the company's contact to claim the account (no password yet)."""
    referral = (
        Referral.objects.select_related("contact_user", "company", "organisation", "partner")
        .filter(pk=referral_id)
        .first()
    )
    user = referral.contact_user if referral else None
    if user is None or not user.is_active or user.has_usable_password():
        return 0
    with translation.override(user.language):
        context = {
            "referral": referral,
            "user": user,
            "link": _absolute("referrals:claim", user.language, token=claim_token(user)),
        }
        build_email("claim_account", context, to=[user.email], folder=EMAILS).send()
    return 1
