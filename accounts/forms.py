"""The employer's company profile form, and the staff member's profile form."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Company, EmployerProfile, GrammaticalGender, User
from accounts.validators import normalize_neq, validate_neq
from core.phones import PhoneField
from service_points.forms import MunicipalityField, PostalCodeField


class CompanyProfileForm(forms.Form):
    """Everything an employer fills in once: who they are and the company they represent."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    phone = PhoneField(
        label=_("Telephone"),
        required=False,
        help_text=_(
            "With the area code, for example 819 555-0101. The adviser calls it for a phone consultation."
        ),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=settings.LANGUAGES,
        help_text=_("Emails and reminders are sent in this language."),
    )
    legal_name = forms.CharField(label=_("Legal name of the company"), max_length=200)
    neq = forms.CharField(
        label=_("Québec enterprise number (NEQ)"),
        max_length=20,
        help_text=_("10 digits, as shown in the Registraire des entreprises."),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", "—"), *Company.Sector.choices])
    size = forms.ChoiceField(label=_("Number of employees"), choices=[("", "—"), *Company.Size.choices])
    street_address = forms.CharField(label=_("Civic address"), max_length=200)
    postal_code = PostalCodeField(label=_("Postal code"))
    municipality = MunicipalityField(label=_("Municipality"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        # What each field holds, so browsers fill them in (WCAG 1.3.5, the accessibility statement).
        for name, purpose in {
            "first_name": "given-name",
            "last_name": "family-name",
            "job_title": "organization-title",
            "phone": "tel",
            "legal_name": "organization",
            "street_address": "street-address",
            "postal_code": "postal-code",
        }.items():  # the municipality keeps "off": its list of the gazetteer's names comes first
            self.fields[name].widget.attrs["autocomplete"] = purpose
        self.fields["neq"].widget.attrs["inputmode"] = "numeric"

    @classmethod
    def initial_for(cls, user) -> dict:
        initial = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
        }
        profile = (
            EmployerProfile.objects.filter(user=user).select_related("company__municipality__region").first()
        )
        if profile:
            company = profile.company
            initial.update(
                job_title=profile.job_title,
                phone=profile.phone,
                legal_name=company.legal_name,
                neq=company.neq,
                sector=company.sector,
                size=company.size,
                street_address=company.street_address,
                postal_code=company.postal_code,
                municipality=MunicipalityField.label_for(company.municipality),
            )
        return initial

    def clean_neq(self):
        neq = normalize_neq(self.cleaned_data["neq"])
        validate_neq(neq)
        taken = Company.objects.filter(neq=neq).exclude(representatives__user=self.user).exists()
        if taken and EmployerProfile.objects.filter(user=self.user).exists():
            # Already a representative: an invitation cannot move them to another company.
            raise forms.ValidationError(
                _(
                    "Another registered company has this NEQ. Check the number; a person represents "
                    "one company only."
                ),
                code="neq_taken",
            )
        if taken:
            # A new account: a colleague who represents the company invites them
            # (accounts.invitations), which links the account to it.
            raise forms.ValidationError(
                _(
                    "A company with this NEQ is already registered. Ask its representative to "
                    "invite you, or contact us if you think this is a mistake."
                ),
                code="neq_taken",
            )
        return neq


class StaffProfileForm(forms.ModelForm):
    """What an adviser, a manager or an administrator says about themselves: names, language, and
    how French sentences that name them agree (accounts.grammar)."""

    grammatical_gender = forms.ChoiceField(
        label=_("In French, sentences that name you"),
        choices=GrammaticalGender.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Employers and colleagues read « votre conseillère a confirmé » or « votre conseiller a "
            "confirmé ». Not specified, the sentences use neutral words."
        ),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "grammatical_gender"]
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "language": _("Preferred language"),
        }
        help_texts = {"language": _("Emails and reminders are sent in this language.")}
