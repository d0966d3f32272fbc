"""Staff find an appointment by the reference number an employer reads out or writes: the adviser
among their own appointments, the manager among their directorate's, an administrator among all
(agenda.selectors.find_by_reference). Found, it opens the appointment's page."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accounts.access import Role, role_required
from agenda import selectors
from agenda.forms import FindAppointmentForm


@require_safe
@role_required(Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
def find_appointment(request):
    if "reference" not in request.GET:
        return render(request, "agenda/find_appointment.html", {"form": FindAppointmentForm()})
    form = FindAppointmentForm(request.GET)
    if not form.is_valid():
        return render(request, "agenda/find_appointment.html", {"form": form}, status=400)
    reference = form.cleaned_data["reference"]
    appointment = selectors.find_by_reference(request.user, reference)
    if appointment is None:
        # Not found and not yours look the same: another directorate's appointment stays private.
        return render(
            request, "agenda/find_appointment.html", {"form": form, "not_found": reference}, status=404
        )
    return redirect("advisors:appointment", uid=appointment.uid)
