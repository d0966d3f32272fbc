"""Forms of the booking flow. Search parameters travel in the query string, so every step
of the flow can be bookmarked, shared with a colleague, or reached again with Back."""

from datetime import datetime

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from advisors.models import Language
from midi_regions import dates
from service_points.forms import MunicipalityField

from .models import ChecklistItem, ConsultationRequest, Mode, Topic


class SearchForm(forms.Form):
    topic = forms.ModelChoiceField(
        label=_("What would you like to discuss?"),
        queryset=Topic.objects.filter(is_active=True),
        to_field_name="code",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a topic from the list.")},
        empty_label=None,
    )
    mode = forms.ChoiceField(
        label=_("How would you like to meet?"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose how you would like to meet.")},
    )
    municipality = MunicipalityField(
        label=_("Where is the company?"),
        help_text=_("We look for the nearest advisers from this municipality."),
    )
    language = forms.ChoiceField(label=_("Language of the consultation"), required=False)
    start = dates.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("French or English"))] + [
            (lang.code, lang.name) for lang in Language.objects.all()
        ]

    def query(self) -> dict:
        """The cleaned search as query-string parameters."""
        data = self.cleaned_data
        params = {
            "topic": data["topic"].code,
            "mode": data["mode"],
            "municipality": MunicipalityField.label_for(data["municipality"]),
        }
        if data.get("language"):
            params["language"] = data["language"]
        return params


class SlotForm(forms.Form):
    """The slot picked on the results page (hidden fields) and an optional message."""

    advisor = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    point = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    at = forms.CharField(widget=forms.HiddenInput, max_length=40)
    key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    message = forms.CharField(
        label=_("Anything the adviser should know beforehand? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_at(self) -> datetime:
        try:
            value = parse_datetime(self.cleaned_data["at"].replace(" ", "+"))
        except ValueError:  # well formed, but no such day or hour (2026-02-30T25:00)
            value = None
        if value is None or value.tzinfo is None:
            raise forms.ValidationError(_("This time is not valid. Choose a time from the list."))
        dates.validate_within_window(value)
        return value


class ChecklistForm(forms.Form):
    """The topic's documents to prepare: the employer ticks those ready (booking, appointment page)."""

    items = forms.ModelMultipleChoiceField(
        label=_("What you will have ready"),
        queryset=ChecklistItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("The list of documents has changed. Tick them again."),
            "invalid_pk_value": _("The list of documents has changed. Tick them again."),
        },
    )

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        field.queryset = ChecklistItem.objects.filter(topic=topic).order_by("position", "pk")
        field.label_from_instance = lambda item: item.name

    @property
    def has_items(self) -> bool:
        return self.fields["items"].queryset.exists()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
]


class RequestForm(forms.Form):
    """A consultation request, when no offered time suits."""

    topic = SearchForm.base_fields["topic"]
    mode = SearchForm.base_fields["mode"]
    municipality = MunicipalityField(
        label=_("Where is the company?"),
        help_text=_("The request goes to the nearest qualified adviser."),
    )
    language = forms.ChoiceField(label=_("Language of the consultation"))
    preferred_weekdays = forms.TypedMultipleChoiceField(
        label=_("Days that suit you (optional)"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_time = forms.ChoiceField(
        label=_("Time of day"), choices=ConsultationRequest.TimeOfDay.choices, widget=forms.RadioSelect
    )
    message = forms.CharField(
        label=_("What would you like to discuss?"),
        help_text=_("A few lines help the adviser prepare (2000 characters at most)."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(lang.code, lang.name) for lang in Language.objects.all()]


class HandleRequestForm(forms.Form):
    """The adviser's answer: propose the ticked times, or book the single ticked time."""

    PROPOSE, BOOK = "propose", "book"

    times = forms.MultipleChoiceField(
        label=_("Times"),
        error_messages={"required": _("Tick at least one time.")},
    )
    action = forms.ChoiceField(choices=[(PROPOSE, PROPOSE), (BOOK, BOOK)])

    def __init__(self, *args, offered: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["times"].choices = [(value, value) for value in offered]

    def clean(self):
        data = super().clean()
        times = data.get("times") or []
        if data.get("action") == self.BOOK and len(times) != 1:
            raise forms.ValidationError(_("To book, tick exactly one time."))
        if len(times) > 3:
            raise forms.ValidationError(_("Propose three times at most."))
        return data


class DeclineRequestForm(forms.Form):
    """The adviser passes the request on; the reason is kept in the routing decision."""

    reason = forms.CharField(
        label=_("Why you pass this request on"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why, so the next adviser or the manager knows.")},
    )


class ReassignForm(forms.Form):
    """The manager gives a request or an appointment to another adviser of the directorate."""

    prefix = "reassign"  # the page has other forms with a "reason" field

    advisor = forms.ModelChoiceField(
        label=_("New adviser"),
        queryset=None,
        empty_label=_("Choose an adviser"),
        error_messages={"invalid_choice": _("Choose one of the advisers listed.")},
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        help_text=_("Kept in the history and sent to both advisers, not to the employer."),
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, advisors, load: dict[int, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["advisor"]
        field.queryset = advisors
        if load is not None:
            field.label_from_instance = lambda advisor: (
                _("%(name)s – open caseload: %(load)s")
                % {
                    "name": advisor,
                    "load": load.get(advisor.pk, 0),
                }
            )


class WaitlistForm(forms.Form):
    """Joining the waitlist: what, how, where, how far, and the times the company can make."""

    topic = SearchForm.base_fields["topic"]
    mode = SearchForm.base_fields["mode"]
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
        choices=ConsultationRequest.TimeOfDay.choices,
        widget=forms.RadioSelect,
        initial=ConsultationRequest.TimeOfDay.ANY,
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

    def clean_until(self):
        from django.utils import timezone

        until = self.cleaned_data.get("until")
        today = timezone.localdate()
        if until and not today <= until <= today.replace(year=today.year + 1):
            raise forms.ValidationError(_("Choose a day between today and a year from now."))
        return until
