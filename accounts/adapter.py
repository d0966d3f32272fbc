"""allauth customisation: each email in the recipient's language, with links to the public address;
allauth's messages in our words (its French catalogue is France French)."""

from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.proxy import client_ip

# The links allauth puts in its emails (built from the request's host): the ones we send point at
# settings.SITE_URL, the address people know, whatever host name the request came in by.
EMAILED_LINKS = ("activate_url", "password_reset_url", "signup_url")


def emailed_link(url: str, language: str) -> str:
    """`url` on settings.SITE_URL's scheme and host, its path in `language` (French paths differ)."""
    link = urlsplit(url)
    # The path is resolved in the language it was written in: /en/account/… or /compte/….
    with translation.override(translation.get_language_from_path(link.path) or settings.LANGUAGE_CODE):
        link = urlsplit(translate_url(url, language))
    site = urlsplit(settings.SITE_URL)
    return urlunsplit((site.scheme, site.netloc, link.path, link.query, link.fragment))


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account is disabled."),
        "cannot_remove_primary_email": _(
            "This is your main email address: make another address the main one before removing it."
        ),
        "duplicate_email": _("This email address is already in your account."),
        "email_password_mismatch": _("The email address or the password is wrong."),
        "email_taken": _("An account already uses this email address."),
        "enter_current_password": _("Enter your current password."),
        "incorrect_code": _("This code is wrong. Check it and enter it again."),
        "incorrect_password": _("This password is wrong."),
        "invalid_or_expired_key": _("This link or code no longer works: ask for a new one."),
        "invalid_login": _("The email address or the password is wrong."),
        "invalid_password_reset": _("This password reset link no longer works: ask for a new one."),
        "max_email_addresses": _("Your account cannot have more than %d email addresses."),
        "too_many_login_attempts": _("Too many failed attempts. Wait a few minutes, then try again."),
        "unknown_email": _("No account uses this email address."),
        "unverified_primary_email": _("Your main email address must be confirmed first."),
        "select_only_one": _("Choose only one."),
        "same_as_current": _("The new value must differ from the current one."),
        "rate_limited": _("Too many attempts in a short time. Wait a few minutes, then try again."),
    }

    def get_client_ip(self, request) -> str:
        # The one client-address rule (core.proxy) for allauth's rate limits too.
        return client_ip(request)

    def send_mail(self, template_prefix, email, context):
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            # The link opens the page in the email's language, whichever page asked for it.
            links = {
                name: emailed_link(context[name], language) for name in EMAILED_LINKS if context.get(name)
            }
            # allauth's templates would greet with the Sites framework's name ("example.com" unless an
            # administrator edits it): ours name the service and the ministry (core.organisation).
            site = SimpleNamespace(
                name=gettext("Regional immigration advisers"), domain=urlsplit(settings.SITE_URL).netloc
            )
            super().send_mail(
                template_prefix,
                email,
                {"email": email, **context, **links, "current_site": site, "site_url": settings.SITE_URL},
            )

    def save_user(self, request, user, form, commit=True):
        # A new account starts in the language the visitor was using when signing up.
        user.language = "en" if (translation.get_language() or "").startswith("en") else "fr-ca"
        return super().save_user(request, user, form, commit=commit)

    def get_reauthentication_methods(self, user) -> list[dict]:
        """allauth's ways to confirm it is you, described in our words."""
        descriptions = {
            "reauthenticate": _("With my password"),
            "reauthenticate_by_code": _("With a code sent by email"),
            "mfa_reauthenticate": _("With my authenticator app or a recovery code"),
        }
        methods = super().get_reauthentication_methods(user)
        for method in methods:
            method["description"] = descriptions.get(method["id"], method["description"])
        return methods


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": _(
            "An account protected by two-factor authentication cannot add an email address here."
        ),
        "cannot_delete_authenticator": _("Two-factor authentication cannot be turned off for your account."),
        "cannot_generate_recovery_codes": _(
            "Set up an authenticator app first: recovery codes come with two-factor authentication."
        ),
        "incorrect_code": _("This code is wrong. Check it and enter it again."),
        "unverified_email": _("Confirm your email address before setting up two-factor authentication."),
    }
