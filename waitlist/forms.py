"""The form to join the waitlist."""

from django import forms
from django.utils.translation import gettext_lazy as _

from advisors.models import Language
from appointments.forms import WEEKDAYS, SearchForm, phone_field, require_phone_for_phone_mode
from appointments.models import TimeOfDay
from core import dates
from service_points.forms import MunicipalityField


class WaitlistForm(forms.Form):
    """Joining the waitlist: what, how, where, how far, and the times the company can make."""

    topic = SearchForm.base_fields["topic"]
    mode = SearchForm.base_fields["mode"]
    phone = phone_field(required=False)
    municipality = MunicipalityField(
        label=_("Where is the company?"),
        help_text=_("Times are offered from the advisers within the distance you choose."),
    )
    max_distance_km = forms.IntegerField(
        label=_("How far can you travel, or the adviser come (km)?"),
        min_value=5,
        max_value=1000,
        initial=100,
        help_text=_("Used for meetings at a service point or at the company's premises."),
    )
    language = forms.ChoiceField(label=_("Language of the consultation"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days that suit you (none ticked: any day)"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_of_day = forms.ChoiceField(
        label=_("Time of day"),
        choices=TimeOfDay.choices,
        widget=forms.RadioSelect,
        initial=TimeOfDay.ANY,
    )
    until = dates.DateField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("After this day, no more offers."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("French or English"))] + [
            (lang.code, lang.name) for lang in Language.objects.all()
        ]
        self.fields["phone"].help_text = _(
            "Needed for a consultation by phone: the adviser calls this number."
        )

    def clean(self):
        data = super().clean()
        require_phone_for_phone_mode(self)
        return data

    def clean_until(self):
        from django.utils import timezone

        until = self.cleaned_data.get("until")
        today = timezone.localdate()
        if until and not today <= until <= today.replace(year=today.year + 1):
            raise forms.ValidationError(_("Choose a day between today and a year from now."))
        return until
