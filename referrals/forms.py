"""The partner's referral form, and the contact's claim form."""

from datetime import datetime, time

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from accounts.validators import normalize_neq
from advisors.models import Language
from appointments.forms import SearchForm, phone_field
from company_files.models import Program
from referrals.models import Referral
from referrals.services import CompanyData, ReferralData
from service_points.forms import MunicipalityField, PostalCodeField


class ReferralForm(forms.Form):
    """Everything a partner gives: the company, the contact, the need, the consent."""

    ROUTE, BOOK = "route", "book"

    # The company
    legal_name = forms.CharField(label=_("Company name"), max_length=200)
    neq = forms.CharField(
        label=_("Québec enterprise number (NEQ)"),
        max_length=20,
        required=False,
        help_text=_("10 digits. It finds the company if it is already known; needed for a new company."),
    )
    municipality = MunicipalityField(label=_("Municipality of the company"))
    # Offered once near-duplicates are found (the service checks the pick; choices are the widget's).
    chosen_company = forms.IntegerField(
        label=_("Is it one of these companies?"), required=False, widget=forms.RadioSelect
    )
    confirm_new = forms.BooleanField(label=_("None of them: it is another company"), required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "—"), *Company.Sector.choices], required=False
    )
    size = forms.ChoiceField(
        label=_("Number of employees"), choices=[("", "—"), *Company.Size.choices], required=False
    )
    street_address = forms.CharField(label=_("Civic address"), max_length=200, required=False)
    postal_code = PostalCodeField(label=_("Postal code"), required=False)
    # The contact person
    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=_("Contact's email address"))
    contact_phone = phone_field(required=False)
    language = forms.ChoiceField(label=_("Language of the consultation"), initial="fr")
    # The need
    topic = SearchForm.base_fields["topic"]
    mode = SearchForm.base_fields["mode"]
    program = forms.ModelChoiceField(
        label=_("Program (optional)"), queryset=Program.objects.filter(is_active=True), required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Referral.Urgency.choices, initial=Referral.Urgency.NORMAL
    )
    need = forms.CharField(
        label=_("The company's need"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the adviser should know: positions to fill, countries, deadlines."),
    )
    # The consent (Law 25)
    consent = forms.BooleanField(
        label=_("The company consents to be contacted by a regional immigration adviser"), required=True
    )
    consent_given_by = forms.CharField(
        label=_("Consent given by"), max_length=150, help_text=_("The name of the person who consented.")
    )
    consent_given_on = forms.DateField(
        label=_("Consent given on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    consent_method = forms.ChoiceField(
        label=_("Consent given how"), choices=[("", "—"), *Referral.ConsentMethod.choices]
    )
    how = forms.ChoiceField(
        label=_("What next?"),
        choices=[
            (ROUTE, _("Send it to the nearest qualified adviser, who contacts the company")),
            (BOOK, _("Book a time now, on the company's behalf")),
        ],
        initial=ROUTE,
        widget=forms.RadioSelect,
    )
    # Offered once the need is known (the view checks the pick against the free times it offers).
    slot = forms.CharField(label=_("Time"), required=False, max_length=80, widget=forms.RadioSelect)

    def __init__(self, *args, suggestions=(), slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(lang.code, lang.name) for lang in Language.objects.all()]
        self.fields["chosen_company"].widget.choices = [
            (c.pk, f"{c.legal_name} – {c.municipality.name} (NEQ {c.neq})") for c in suggestions
        ]
        self.fields["slot"].widget.choices = list(slots)
        self.fields["neq"].widget.attrs["inputmode"] = "numeric"
        # The booking form's fields, asked of the partner about the company (not "you").
        self.fields["topic"].label = _("What does the company need advice on?")
        self.fields["mode"].label = _("How would the company like to meet?")
        self.fields["contact_phone"].label = _("Contact's telephone")
        self.fields["contact_phone"].help_text = _(
            "The adviser calls this number for a consultation by phone."
        )
        self.fields["contact_email"].widget.attrs["autocomplete"] = "off"

    def clean_neq(self):
        neq = normalize_neq(self.cleaned_data.get("neq", ""))
        if neq and (not neq.isdigit() or len(neq) != 10):
            raise forms.ValidationError(
                _("The Québec enterprise number (NEQ) has exactly 10 digits, for example 1143123456.")
            )
        return neq

    def clean_consent_given_on(self):
        day = self.cleaned_data["consent_given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The consent cannot be given in the future."))
        return day

    def referral_data(self) -> ReferralData:
        data = self.cleaned_data
        chosen = None
        if data.get("chosen_company"):
            chosen = Company.objects.filter(pk=data["chosen_company"]).first()
        company = CompanyData(
            legal_name=data["legal_name"],
            municipality=data["municipality"],
            neq=data.get("neq", ""),
            sector=data.get("sector", ""),
            size=data.get("size", ""),
            street_address=data.get("street_address", ""),
            postal_code=data.get("postal_code", ""),
            chosen=chosen,
            confirm_new=data.get("confirm_new", False),
        )
        given_at = timezone.make_aware(datetime.combine(data["consent_given_on"], time(12)))
        return ReferralData(
            company=company,
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data.get("contact_phone") or "",
            topic=data["topic"],
            mode=data["mode"],
            need=data["need"],
            program=data.get("program"),
            urgency=data["urgency"],
            language=data["language"],
            consent_given_by=data["consent_given_by"] if data.get("consent") else "",
            consent_given_at=given_at,
            consent_method=data["consent_method"],
        )


class ClaimForm(forms.Form):
    """The contact chooses the password of the account the referral prepared."""

    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
