"""Forms of consultation requests: filing one, an adviser's answer, declining, reassigning."""

from django import forms
from django.utils.translation import gettext_lazy as _

from advisors.models import Language
from appointments.forms import WEEKDAYS, SearchForm, phone_field, require_phone_for_phone_mode
from consultations.models import ConsultationRequest
from service_points.forms import MunicipalityField


class RequestForm(forms.Form):
    """A consultation request, when no offered time suits."""

    topic = SearchForm.base_fields["topic"]
    mode = SearchForm.base_fields["mode"]
    phone = phone_field(required=False)
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
        # Not the topic's question again (the topic field above asks it): what to say about it.
        label=_("Describe your need"),
        help_text=_("A few lines help the adviser prepare (2000 characters at most)."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(lang.code, lang.name) for lang in Language.objects.all()]
        self.fields["phone"].help_text = _(
            "Needed for a consultation by phone: the adviser calls this number."
        )

    def clean(self):
        data = super().clean()
        require_phone_for_phone_mode(self)
        return data


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
