"""The survey page, opened from the emailed link: nobody signs in, the signed link is the
credential (as an appointment's manage link)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.ratelimit import limit_posts
from feedback import links, services
from feedback.forms import SurveyForm
from feedback.models import Survey


@never_cache
@limit_posts("survey")
def survey(request, token):
    """GET: the questions (or the answer, read-only once it can no longer change); POST: answer."""
    found = links.survey_for_token(token)
    if found.survey is None:
        status = 410 if found.problem == links.EXPIRED else 400
        return render(request, "feedback/link_invalid.html", {"reason": found.problem}, status=status)
    survey = found.survey
    if request.method != "POST":
        return _page(request, survey, SurveyForm.for_survey(survey))
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return _page(request, survey, form, status=400)
    data = form.cleaned_data
    try:
        services.answer_survey(
            survey=survey,
            satisfaction=data["satisfaction"],
            outcome=data["outcome"],
            comment=data["comment"],
            revision=data["revision"],
        )
    except services.SurveyError as error:
        survey.refresh_from_db()
        return _page(request, survey, SurveyForm.for_survey(survey), status=error.status, error=error.message)
    messages.success(request, _("Thank you: your answer is saved."))
    return redirect(request.path)


def _page(request, survey: Survey, form: SurveyForm, *, status: int = 200, error: str = ""):
    context = {
        "survey": survey,
        "appointment": survey.appointment,
        "form": form,
        "error": error,
        "changeable": services.is_changeable(survey, now=timezone.now()),
        "changeable_until": services.changeable_until(survey),
    }
    return render(request, "feedback/survey.html", context, status=status)
