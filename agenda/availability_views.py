"""The adviser edits their own availability: weekly blocks, date exceptions, time off.

Plain form posts that redirect back to the page (no JavaScript needed); with htmx the forms swap
the availability section only. Time off or closed hours covering booked appointments answer 409
with those appointments listed: the adviser reschedules them, or confirms cancelling them (the
employers are told).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import Role, role_required
from agenda import services
from agenda.forms import ExceptionForm, MeetingLinkForm, TimeOffForm, WeeklyBlockForm
from core import video


def _page(request, *, status=200, **forms):
    advisor = request.user.advisor
    now = timezone.now()
    context = {
        "blocks": advisor.weekly_availability.select_related("service_point__municipality"),
        "exceptions": advisor.availability_exceptions.filter(
            date__gte=timezone.localdate(now)
        ).select_related("service_point__municipality"),
        "time_off": advisor.time_off.filter(ends_at__gte=now).order_by("starts_at"),
        "block_form": WeeklyBlockForm(advisor=advisor),
        "exception_form": ExceptionForm(advisor=advisor),
        "time_off_form": TimeOffForm(),
        "fixed_meeting_links": video.uses_fixed_links(),
        "meeting_link_form": MeetingLinkForm(initial={"meeting_link": advisor.meeting_link}),
        **forms,
    }
    return render(request, "agenda/availability.html", context, status=status)


def _done(request, text, anchor):
    messages.success(request, text)
    return redirect(reverse("advisors:availability") + anchor)


def _form_error(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@role_required(Role.ADVISOR)
def availability(request):
    return _page(request)


@role_required(Role.ADVISOR)
def add_block(request):
    if request.method != "POST":
        return redirect("advisors:availability")
    form = WeeklyBlockForm(request.POST, advisor=request.user.advisor)
    if form.is_valid():
        try:
            services.add_weekly_block(advisor=request.user.advisor, by=request.user, **form.cleaned_data)
            return _done(request, _("The weekly block is added."), "#weekly")
        except ValidationError as error:
            _form_error(form, error)
    return _page(request, status=400, block_form=form)


def _delete(request, delete, pk, *, done, missing, anchor):
    if request.method != "POST":
        return redirect("advisors:availability")
    if not delete(advisor=request.user.advisor, pk=pk, by=request.user):
        return _page(request, status=404, error=missing)
    return _done(request, done, anchor)


@role_required(Role.ADVISOR)
def delete_block(request, pk):
    return _delete(
        request,
        services.delete_weekly_block,
        pk,
        done=_("The weekly block is removed. Booked appointments stay booked."),
        missing=_("This block no longer exists."),
        anchor="#weekly",
    )


def _hides(request, hidden, *, status=409, **forms):
    return _page(request, status=status, hidden=hidden, **forms)


@role_required(Role.ADVISOR)
def add_exception(request):
    if request.method != "POST":
        return redirect("advisors:availability")
    advisor = request.user.advisor
    form = ExceptionForm(request.POST, advisor=advisor)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_exception(
                advisor=advisor,
                day=data["date"],
                kind=data["kind"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                service_point=data["service_point"],
                by=request.user,
                cancel_hidden=data["cancel_hidden"],
            )
            return _done(request, _("The change for that date is saved."), "#exceptions")
        except services.Hides as hides:
            confirm = ExceptionForm({**request.POST.dict(), "date-cancel_hidden": "on"}, advisor=advisor)
            return _hides(request, hides.appointments, exception_form=confirm, confirming="exception")
        except ValidationError as error:
            _form_error(form, error)
    return _page(request, status=400, exception_form=form)


@role_required(Role.ADVISOR)
def delete_exception(request, pk):
    return _delete(
        request,
        services.delete_exception,
        pk,
        done=_("The change for that date is removed."),
        missing=_("This change no longer exists."),
        anchor="#exceptions",
    )


@role_required(Role.ADVISOR)
def add_time_off(request):
    if request.method != "POST":
        return redirect("advisors:availability")
    form = TimeOffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_time_off(
                advisor=request.user.advisor,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                by=request.user,
                cancel_hidden=data["cancel_hidden"],
            )
            if data["cancel_hidden"]:
                return _done(
                    request,
                    _("Time off saved; the appointments it covered are cancelled, the employers told."),
                    "#time-off",
                )
            return _done(request, _("The time off is saved."), "#time-off")
        except services.Hides as hides:
            confirm = TimeOffForm({**request.POST.dict(), "off-cancel_hidden": "on"})
            return _hides(request, hides.appointments, time_off_form=confirm, confirming="time_off")
        except ValidationError as error:
            _form_error(form, error)
    return _page(request, status=400, time_off_form=form)


@role_required(Role.ADVISOR)
def delete_time_off(request, pk):
    return _delete(
        request,
        services.delete_time_off,
        pk,
        done=_("The time off is removed."),
        missing=_("This time off no longer exists."),
        anchor="#time-off",
    )


@role_required(Role.ADVISOR)
def meeting_link(request):
    """Where settings.VIDEO_PROVIDER is "fixed": the adviser gives their permanent meeting link."""
    if request.method != "POST":
        return redirect("advisors:availability")
    if not video.uses_fixed_links():
        return _page(request, status=400, error=_("Meeting links are made for each appointment here."))
    form = MeetingLinkForm(request.POST)
    if form.is_valid():
        filled = services.set_meeting_link(
            advisor=request.user.advisor, link=form.cleaned_data["meeting_link"]
        )
        text = _("Your meeting link is saved.")
        if filled:
            text += " " + ngettext(
                "It is given to %(count)d upcoming video appointment.",
                "It is given to %(count)d upcoming video appointments.",
                filled,
            ) % {"count": filled}
        return _done(request, text, "#meeting-link")
    return _page(request, status=400, meeting_link_form=form)
