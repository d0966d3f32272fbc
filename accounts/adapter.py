"""allauth customisation: send each email in the recipient's preferred language."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from core.proxy import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # The one client-address rule (core.proxy) for allauth's rate limits too.
        return client_ip(request)

    def send_mail(self, template_prefix, email, context):
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            # allauth's emails greet with the Sites framework's name ("example.com" unless an
            # administrator edits it): name the service, in the recipient's language.
            site = SimpleNamespace(
                name=gettext("Regional immigration advisers"), domain=urlsplit(settings.SITE_URL).netloc
            )
            super().send_mail(template_prefix, email, {"current_site": site, **context})

    def save_user(self, request, user, form, commit=True):
        # A new account starts in the language the visitor was using when signing up.
        user.language = "en" if (translation.get_language() or "").startswith("en") else "fr-ca"
        return super().save_user(request, user, form, commit=commit)
