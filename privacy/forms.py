"""Closing an employer's account (Law 25): confirmed with the password."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CloseAccountForm(forms.Form):
    """Closing the account is confirmed by typing the password again, as for any sensitive change."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To confirm that it is you who closes the account."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password
