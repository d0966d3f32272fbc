"""allauth customisation: send each email in the recipient's preferred language."""

from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def save_user(self, request, user, form, commit=True):
        # A new account starts in the language the visitor was using when signing up.
        user.language = "en" if (translation.get_language() or "").startswith("en") else "fr-ca"
        return super().save_user(request, user, form, commit=commit)
