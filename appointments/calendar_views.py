"""The appointment's .ics for "Apple / other calendar": the same file the emails attach
(appointments.calendar_event), downloaded by a representative of the appointment's company or by
the holder of the emailed link. Anyone else learns nothing: another company's appointment does
not exist (404), a visitor is sent to the login page."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.access import Role, company_of, role_required
from appointments import calendar_event, links, selectors
from appointments.models import Appointment


def _calendar_response(appointment: Appointment) -> HttpResponse:
    event = calendar_event.event_of(appointment)
    response = HttpResponse(calendar_event.ics(event), content_type="text/calendar; charset=utf-8")
    name = f"rendez-vous-{appointment.reference}" if appointment.reference else "rendez-vous"
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    # It names the company and carries the manage link: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
@role_required(Role.EMPLOYER)
def calendar_file(request, uid):
    """The .ics of one of the company's appointments (any representative: colleagues share them)."""
    appointment = selectors.company_appointments(company_of(request.user)).filter(uid=uid).first()
    if appointment is None:
        raise Http404
    return _calendar_response(appointment)


@require_safe
def manage_calendar_file(request, token):
    """The .ics from the emailed link, valid as long as the link is: until the appointment starts."""
    appointment = links.appointment_for_token(token)
    if appointment is None:
        return render(request, "appointments/link_invalid.html", {"reason": "invalid"}, status=400)
    if appointment.starts_at <= timezone.now():
        return render(request, "appointments/link_invalid.html", {"reason": "expired"}, status=410)
    return _calendar_response(appointment)
