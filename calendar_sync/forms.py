from django import forms
from django.utils.translation import gettext_lazy as _

from calendar_sync.models import BusySource
from calendar_sync.services import SourceData


class SourceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of calendar"),
        choices=BusySource.Kind.choices,
        initial=BusySource.Kind.ICS,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("For you only, e.g. “Outlook – work”.")
    )
    url = forms.CharField(
        label=_("Address"),
        max_length=2000,
        help_text=_(
            "The calendar’s published ICS address (Outlook: Settings, Calendar, Shared calendars, Publish"
            " a calendar), or the CalDAV calendar’s address. It is stored encrypted and never shown again."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    username = forms.CharField(label=_("User name (CalDAV)"), max_length=200, required=False)
    password = forms.CharField(
        label=_("Password (CalDAV)"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Preferably an application password. Stored encrypted."),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url.lower().startswith("webcal://"):  # what Outlook and Apple publish: HTTPS underneath
            url = "https://" + url[len("webcal://") :]
        validated = forms.URLField(assume_scheme="https").clean(url)
        if not validated.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter an address starting with https://."))
        return validated

    def clean(self):
        data = super().clean()
        if data.get("kind") == BusySource.Kind.CALDAV and data.get("password") and not data.get("username"):
            self.add_error("username", _("Enter the user name that goes with the password."))
        return data

    def source_data(self) -> SourceData:
        data = self.cleaned_data
        return SourceData(
            kind=data["kind"],
            name=data["name"],
            url=data["url"],
            username=data.get("username", ""),
            password=data.get("password", ""),
        )
