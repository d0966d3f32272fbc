"""allauth's sign-in, sign-up, password and two-factor forms in our words.

allauth's labels are American English in title case ("Remember Me", "New Password (again)") and
its French catalogue is France French ("E-mail", "Mot de passe (confirmation)"). These subclasses
(`ACCOUNT_FORMS`, `MFA_FORMS`) only relabel: the label is our message, in sentence case, translated
in our catalogue; the placeholder, which repeated the label, goes (a visible label is on every
field).
"""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.recovery_codes import forms as recovery_code_forms
from allauth.mfa.totp import forms as totp_forms
from django.utils.translation import gettext_lazy as _

EMAIL = _("Email address")
PASSWORD = _("Password")
PASSWORD_AGAIN = _("Password (again)")
NEW_PASSWORD = _("New password")
NEW_PASSWORD_AGAIN = _("New password (again)")
AUTHENTICATOR_CODE = _("Code from the authenticator app, or a recovery code")


class OurWording:
    labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]


class LoginForm(OurWording, account_forms.LoginForm):
    labels = {"login": EMAIL, "password": PASSWORD, "remember": _("Keep me logged in on this device")}


class SignupForm(OurWording, account_forms.SignupForm):
    labels = {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD_AGAIN}


class AddEmailForm(OurWording, account_forms.AddEmailForm):
    labels = {"email": EMAIL}


class ChangePasswordForm(OurWording, account_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Current password"),
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD_AGAIN,
    }


class SetPasswordForm(OurWording, account_forms.SetPasswordForm):
    labels = {"password1": PASSWORD, "password2": PASSWORD_AGAIN}


class ResetPasswordForm(OurWording, account_forms.ResetPasswordForm):
    labels = {"email": EMAIL}


class ResetPasswordKeyForm(OurWording, account_forms.ResetPasswordKeyForm):
    labels = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD_AGAIN}


class ReauthenticateForm(OurWording, account_forms.ReauthenticateForm):
    labels = {"password": PASSWORD}


class ConfirmReauthenticationCodeForm(OurWording, account_forms.ConfirmReauthenticationCodeForm):
    labels = {"code": _("Code received by email")}


class AuthenticateForm(OurWording, mfa_base_forms.AuthenticateForm):
    labels = {"code": AUTHENTICATOR_CODE}


class MfaReauthenticateForm(OurWording, mfa_base_forms.ReauthenticateForm):
    labels = {"code": AUTHENTICATOR_CODE}


class ActivateTOTPForm(OurWording, totp_forms.ActivateTOTPForm):
    labels = {"code": _("Code shown by the app")}


class DeactivateTOTPForm(OurWording, totp_forms.DeactivateTOTPForm):
    pass


class GenerateRecoveryCodesForm(OurWording, recovery_code_forms.GenerateRecoveryCodesForm):
    pass
