"""The adviser's appointment page: act on it (confirm, reschedule, completed / no-show, cancel with
a reason), write private notes, see the audit trail and the company's history.

Every action is a plain form POST that redirects back (works without JavaScript); with htmx the
same POST answers with the refreshed action panel only. The directorate's manager may open the
page (read only: notes and history included) and give an upcoming appointment to another adviser
of the directorate; the employer never sees it.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Role, role_of, role_required
from advisors.models import Advisor
from agenda import selectors
from agenda.forms import NoteForm
from appointments import checklist, services
from appointments import selectors as booking_selectors
from appointments.forms import CancelForm
from appointments.models import Appointment
from appointments.notifications import location_text
from appointments.services import REASSIGN_MESSAGES
from appointments.views import ManageUrls, reschedule_confirm_page, reschedule_page
from consultations import routing
from consultations.forms import ReassignForm
from feedback import selectors as feedback
from sms import selectors as sms_selectors

DONE = {
    "confirm": gettext_lazy("Your attendance is confirmed. The employer is told."),
    "cancel": gettext_lazy("The appointment is cancelled. The employer is told, with your reason."),
    Appointment.Status.COMPLETED: gettext_lazy("Marked completed."),
    Appointment.Status.NO_SHOW: gettext_lazy("Marked as a no-show. The employer is told."),
}


def _appointment(request, uid) -> Appointment:
    appointment = selectors.appointment_for(request.user, uid)
    if appointment is None:
        raise Http404
    return appointment


def _is_upcoming(appointment, now=None) -> bool:
    return appointment.status == Appointment.Status.CONFIRMED and appointment.starts_at > (
        now or timezone.now()
    )


def _reassign_form(request, appointment, data=None) -> ReassignForm | None:
    """The manager's "reassign" form for an upcoming appointment, or None if they may not."""
    if role_of(request.user) not in (Role.MANAGER, Role.ADMINISTRATOR) or not _is_upcoming(appointment):
        return None
    holder = Advisor.objects.select_related("home_service_point__municipality__region__directorate").get(
        pk=appointment.advisor_id
    )
    directorate = holder.directorate
    if not services.may_reassign(directorate, request.user):
        return None
    advisors = booking_selectors.reassignment_candidates(
        directorate_ids=[directorate.pk], topic=appointment.topic, exclude_advisor_id=holder.pk
    )
    load = None if data is not None else routing.open_caseload(advisors.values_list("pk", flat=True))
    return ReassignForm(data, advisors=advisors, load=load)


def _context(request, appointment, **extra):
    now = timezone.now()
    is_advisor = services.is_advisor_of(appointment, request.user)
    upcoming = _is_upcoming(appointment, now)
    if "reassign_form" not in extra:
        extra["reassign_form"] = _reassign_form(request, appointment)
    return {
        "appointment": appointment,
        "location": location_text(appointment),
        "contact": booking_selectors.contact_of(appointment.booked_by, phone=appointment.contact_phone),
        "is_advisor": is_advisor,
        "can_confirm": is_advisor and upcoming and appointment.advisor_confirmed_at is None,
        "can_change": is_advisor and upcoming,
        "can_record_outcome": is_advisor
        and appointment.status != Appointment.Status.CANCELLED
        and appointment.starts_at <= now,
        # A partner who booked on the company's behalf is named with their organisation (referrals).
        "events": appointment.events.select_related("actor", "actor__partner_membership__organisation"),
        "notes": appointment.notes.select_related("author"),
        "history": selectors.company_history(appointment),
        "checklist": checklist.checklist(appointment),
        "texts": sms_selectors.messages_for(appointment),
        # The employer's verdict, to their adviser only: managers read it without names, in groups
        # of 5 or more (dashboards), so that no answer is traced to one employer.
        "survey": feedback.survey_of(appointment) if is_advisor else None,
        "cancel_form": CancelForm(),
        "note_form": NoteForm(),
        **extra,
    }


def _page(request, appointment, *, status=200, **extra):
    template = "agenda/partials/appointment_panel.html" if request.htmx else "agenda/appointment.html"
    return render(request, template, _context(request, appointment, **extra), status=status)


@role_required(Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
def appointment(request, uid):
    return _page(request, _appointment(request, uid))


@role_required(Role.ADVISOR)
def appointment_action(request, uid):
    """confirm | completed | no_show | cancel (with an optional reason); POST only."""
    appointment = _appointment(request, uid)
    if request.method != "POST":
        return redirect("advisors:appointment", uid=uid)
    action = request.POST.get("action", "")
    try:
        if action == "confirm":
            services.confirm_appointment(appointment=appointment, by=request.user)
        elif action in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
            services.record_outcome(appointment=appointment, by=request.user, status=action)
        elif action == "cancel":
            form = CancelForm(request.POST)
            if not form.is_valid():
                return _page(request, appointment, status=400, cancel_form=form)
            services.cancel_appointment(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
            )
        else:
            return _page(request, appointment, status=400, error=_("Unknown action."))
    except services.BookingError as error:
        appointment.refresh_from_db()
        return _page(request, appointment, status=409, error=error.message)
    appointment.refresh_from_db()
    if request.htmx:
        return _page(request, appointment, done=DONE[action])
    messages.success(request, DONE[action])
    return redirect("advisors:appointment", uid=uid)


@role_required(Role.ADVISOR)
def appointment_note(request, uid):
    appointment = _appointment(request, uid)
    if request.method != "POST":
        return redirect("advisors:appointment", uid=uid)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, status=400, note_form=form)
    services.add_note(appointment=appointment, by=request.user, text=form.cleaned_data["text"])
    if request.htmx:
        return _page(request, appointment, done=_("Note saved."))
    messages.success(request, _("Note saved."))
    return redirect(reverse("advisors:appointment", args=[uid]) + "#notes")


def _manage_urls(appointment) -> ManageUrls:
    uid = [appointment.uid]
    return ManageUrls(
        detail=reverse("advisors:appointment", args=uid),
        reschedule=reverse("advisors:appointment_reschedule", args=uid),
        reschedule_confirm=reverse("advisors:appointment_reschedule_confirm", args=uid),
    )


@role_required(Role.ADVISOR)
def appointment_reschedule(request, uid):
    """Another free time of the same adviser, as the employer would pick it (then confirmed)."""
    appointment = _appointment(request, uid)
    return reschedule_page(request, appointment, urls=_manage_urls(appointment), viewer="advisor")


@role_required(Role.ADVISOR)
def appointment_reschedule_confirm(request, uid):
    """The appointment now and at the chosen time; the POST moves it and the employer is told."""
    appointment = _appointment(request, uid)
    return reschedule_confirm_page(
        request,
        appointment,
        urls=_manage_urls(appointment),
        viewer="advisor",
        success=_("The appointment has a new time. The employer gets an updated calendar file."),
    )


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def appointment_reassign(request, uid):
    """The manager gives an upcoming appointment to another adviser of the directorate (POST only)."""
    appointment = _appointment(request, uid)
    if request.method != "POST":
        return redirect("advisors:appointment", uid=uid)
    if not _is_upcoming(appointment):
        return _page(request, appointment, status=409, error=REASSIGN_MESSAGES[services.NOT_CHANGEABLE])
    form = _reassign_form(request, appointment, data=request.POST)
    if form is None:
        return _page(request, appointment, status=403, error=REASSIGN_MESSAGES[services.NOT_ALLOWED])
    if not form.is_valid():
        return _page(request, appointment, status=400, reassign_form=form)
    advisor = form.cleaned_data["advisor"]
    try:
        services.reassign_appointment(
            appointment=appointment, to_advisor=advisor, by=request.user, reason=form.cleaned_data["reason"]
        )
    except services.BookingError as error:
        appointment.refresh_from_db()
        status = 403 if error.code == services.NOT_ALLOWED else 409
        return _page(request, appointment, status=status, error=REASSIGN_MESSAGES[error.code])
    messages.success(
        request,
        _("The appointment is now with %(adviser)s. Both advisers and the employer are told.")
        % {"adviser": advisor},
    )
    return redirect("advisors:appointment", uid=uid)
