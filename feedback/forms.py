"""The survey's form: satisfaction 1–5, got what they came for, an optional comment."""

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from feedback.models import COMMENT_MAX_LENGTH, Survey


def _comment_help() -> str:
    # Rendered in the page's language at each use (a lazy string formatted at import would not be).
    count = number_format(COMMENT_MAX_LENGTH, force_grouping=True)
    return gettext("Your adviser reads it. At most %(count)s characters.") % {"count": count}


SATISFACTION_CHOICES = [
    (5, _("5 – Very satisfied")),
    (4, _("4 – Satisfied")),
    (3, _("3 – Neither satisfied nor dissatisfied")),
    (2, _("2 – Dissatisfied")),
    (1, _("1 – Very dissatisfied")),
]


class SurveyForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Overall, how satisfied are you with this consultation?"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are, from 1 to 5.")},
    )
    outcome = forms.ChoiceField(
        label=_("Did you get what you came for?"),
        choices=Survey.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you got what you came for.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        help_text=lazy(_comment_help, str)(),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The revision the form showed (feedback.services.answer_survey): two answers at once, one wins.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    @classmethod
    def for_survey(cls, survey: Survey) -> "SurveyForm":
        initial = {"revision": survey.revision}
        if survey.is_answered:
            initial.update(satisfaction=survey.satisfaction, outcome=survey.outcome, comment=survey.comment)
        return cls(initial=initial)
