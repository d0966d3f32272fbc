from django import forms
from django.utils.translation import gettext_lazy as _

from advisors.models import AvailabilityException, Weekday
from appointments import references
from core import dates


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Private note"),
        help_text=_("Seen by advisers and the regional manager, never by the employer."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the note first.")},
    )


class FindAppointmentForm(forms.Form):
    """A reference number as a person types it or reads it out: any case, dashes or not."""

    reference = forms.CharField(
        label=_("Reference number"),
        help_text=_("For example RV-7K3-Q9M: upper or lower case, with or without the dashes."),
        max_length=40,
        error_messages={"required": _("Enter the appointment's reference number.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )

    def clean_reference(self) -> str:
        reference = references.normalize(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _(
                    "A reference number is RV followed by six letters and digits, for example "
                    "RV-7K3-Q9M (it has no O, I, L, U, 0 or 1)."
                ),
                code="invalid_reference",
            )
        return reference


class _PointChoiceMixin:
    """The service point field offers the points the adviser serves, or remote work (empty)."""

    def _limit_points(self, advisor):
        field = self.fields["service_point"]
        field.queryset = advisor.service_points.select_related("municipality").order_by("municipality__name")
        field.empty_label = _("Remote (phone and video)")
        field.label_from_instance = lambda point: f"{point.host_office} ({point.municipality.name})"


TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class WeeklyBlockForm(_PointChoiceMixin, forms.Form):
    prefix = "block"  # three forms share a page: distinct field ids
    weekday = forms.TypedChoiceField(label=_("Day"), choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(label=_("From"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("To"), widget=TIME_INPUT)
    service_point = forms.ModelChoiceField(label=_("Where"), queryset=None, required=False)

    def __init__(self, *args, advisor, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_points(advisor)


class ExceptionForm(_PointChoiceMixin, forms.Form):
    prefix = "date"
    date = dates.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("Change"), choices=AvailabilityException.Kind.choices)
    start_time = forms.TimeField(label=_("From"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("To"), widget=TIME_INPUT)
    service_point = forms.ModelChoiceField(label=_("Where (extra hours only)"), queryset=None, required=False)
    cancel_hidden = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, advisor, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_points(advisor)


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TimeOffForm(forms.Form):
    prefix = "off"
    starts_at = dates.DateTimeField(label=_("From"), widget=DATETIME_INPUT)
    ends_at = dates.DateTimeField(label=_("To"), widget=DATETIME_INPUT)
    reason = forms.CharField(
        label=_("Reason (optional)"),
        help_text=_("If appointments must be cancelled, the employers read it."),
        required=False,
        max_length=200,
    )
    cancel_hidden = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MeetingLinkForm(forms.Form):
    """The adviser's permanent Teams or Zoom link (settings.VIDEO_PROVIDER "fixed", core.video)."""

    prefix = "meeting"
    meeting_link = forms.URLField(
        label=_("Permanent meeting link"),
        help_text=_(
            "The address of your own Teams or Zoom meeting, starting with https://. Employers who meet "
            "you by video receive it; leave it empty to remove it."
        ),
        required=False,
        max_length=300,
        assume_scheme="https",
    )

    def clean_meeting_link(self) -> str:
        link = self.cleaned_data["meeting_link"]
        if link and not link.startswith("https://"):
            raise forms.ValidationError(_("The link must start with https://."))
        return link
