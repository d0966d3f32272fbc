"""Forms of the booking flow. Search parameters travel in the query string, so every step
of the flow can be bookmarked, shared with a colleague, or reached again with Back."""

from datetime import datetime

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from advisors.models import Language
from appointments.models import ChecklistItem, Mode, Topic
from core import dates
from core.catalogue import derived
from core.phones import PhoneField, TelInput
from service_points.forms import MunicipalityField


class TopicField(forms.ModelChoiceField):
    """An active topic by its code; with `generation` set (SearchForm), looked up among the
    topics kept for that catalogue generation (core.catalogue.derived) instead of a query."""

    generation: int | None = None

    def to_python(self, value):
        if self.generation is None or value in self.empty_values:
            return super().to_python(value)
        topics = derived.get(
            self.generation, "topics", lambda: {t.code: t for t in Topic.objects.filter(is_active=True)}
        )
        topic = topics.get(str(value))
        if topic is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return topic


class SearchForm(forms.Form):
    """The slot search. With `generation` (the results page), its lookups — the topic, the
    languages, the place typed and its label — are those kept for that catalogue generation,
    with no query: the page then checks the generation its slot search confirmed is the same
    (appointments.views.slots)."""

    topic = TopicField(
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
    # The adviser to show first when within reach (a company file's adviser: company_files).
    advisor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    start = dates.DateField(required=False, widget=forms.HiddenInput)  # first day of the window shown
    day = dates.DateField(required=False, widget=forms.HiddenInput)  # the day whose times are shown

    def __init__(self, *args, generation: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.generation = generation
        self.fields["topic"].generation = generation
        self.fields["municipality"].generation = generation
        languages = derived.get(generation, "languages", lambda: list(Language.objects.all()))
        self.fields["language"].choices = [("", _("French or English"))] + [
            (lang.code, lang.name) for lang in languages
        ]

    def query(self) -> dict:
        """The cleaned search as query-string parameters."""
        data = self.cleaned_data
        params = {
            "topic": data["topic"].code,
            "mode": data["mode"],
            "municipality": MunicipalityField.label_for(data["municipality"], generation=self.generation),
        }
        if data.get("language"):
            params["language"] = data["language"]
        if data.get("advisor"):
            params["advisor"] = data["advisor"]
        return params

    def position(self) -> dict:
        """Where the employer is in the day picker (window and day), as query-string parameters."""
        return {
            name: self.cleaned_data[name].isoformat()
            for name in ("start", "day")
            if self.cleaned_data.get(name)
        }


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


PHONE_REQUIRED = _("Enter the number the adviser should call, for example 819 555-0101.")


def phone_field(*, required: bool) -> PhoneField:
    """The number to call for a phone consultation (booking, request, waitlist)."""
    return PhoneField(
        label=_("Number to call"),
        required=required,
        widget=TelInput(attrs={"autocomplete": "tel"}),  # the employer's own number (WCAG 1.3.5)
        help_text=_("The adviser calls you at this number. Add an extension, if any (ext. 12)."),
        error_messages={"required": PHONE_REQUIRED},
    )


def require_phone_for_phone_mode(form: forms.Form) -> None:
    """A phone consultation needs a number (request and waitlist forms, where the mode is chosen on
    the same page)."""
    data = form.cleaned_data
    if data.get("mode") == Mode.PHONE and not data.get("phone") and "phone" not in form.errors:
        form.add_error("phone", forms.ValidationError(PHONE_REQUIRED, code="required"))


class ContactPhoneForm(forms.Form):
    """The confirm step of a phone booking: the number to call, prefilled from the profile."""

    phone = phone_field(required=True)


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
