"""The waitlist in the browser: join it from the results page, see your place in line, leave
it; and the offer page the emailed link opens (confirm or decline the held time)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Role, company_of, profile_phone, role_required
from appointments import services
from appointments.links import manage_url
from appointments.models import Mode, TimeOfDay
from appointments.selectors import show_in_meeting_zones
from appointments.services import error_message
from core.ratelimit import limit_posts
from service_points.forms import MunicipalityField
from waitlist import services as waitlist
from waitlist.forms import WaitlistForm
from waitlist.models import WaitlistEntry
from waitlist.selectors import free_times_now, is_in_line


@role_required(Role.EMPLOYER)
def waitlist_list(request):
    entries = list(waitlist.company_entries(company_of(request.user)))
    for entry in entries:
        entry.place = waitlist.position(entry)
        entry.open_hold = next(
            (
                h
                for h in entry.holds.filter(status="active").select_related(
                    "advisor__user", "service_point__municipality"
                )
                if waitlist.is_open(h)
            ),
            None,
        )
        if entry.open_hold:
            entry.offer_token = waitlist.offer_token(entry.open_hold)
    return render(request, "waitlist/list.html", {"entries": entries})


@role_required(Role.EMPLOYER)
@limit_posts("request")
def waitlist_join(request):
    """The form; sent, it first shows the free times that already fit (book one, or join anyway
    with `join_anyway`), and joins straight away when there are none."""
    company = company_of(request.user)
    if request.method == "POST":
        form = WaitlistForm(request.POST)
        if form.is_valid():
            data = waitlist.WaitlistData.from_cleaned(form.cleaned_data)
            # Already in line for this: joining says so at once, free times or not.
            if "join_anyway" not in request.POST and not is_in_line(
                company=company, topic=data.topic, mode=data.mode
            ):
                groups = free_times_now(
                    topic=data.topic,
                    mode=data.mode,
                    municipality=data.municipality,
                    max_distance_km=data.max_distance_km,
                    language=data.language,
                    weekdays=data.weekdays,
                    time_of_day=data.time_of_day,
                    until=data.until,
                )
                if groups:
                    show_in_meeting_zones(groups, mode=data.mode, location=data.municipality)
                    return render(request, "waitlist/free_now.html", _free_now_context(form, data, groups))
            try:
                waitlist.join(company=company, user=request.user, data=data)
            except waitlist.WaitlistError as error:
                form.add_error(None, error.message)
                return render(request, "waitlist/join.html", {"form": form}, status=409)
            messages.success(
                request,
                _("You are on the waitlist. When a time that suits frees up, we hold it and email you."),
            )
            return redirect("appointments:waitlist")
        return render(request, "waitlist/join.html", {"form": form}, status=400)
    initial = {
        "municipality": MunicipalityField.label_for(company.municipality),
        "phone": profile_phone(request.user),
        "time_of_day": TimeOfDay.ANY,
        "max_distance_km": 100,
    }
    for name in ("topic", "mode", "language"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    return render(request, "waitlist/join.html", {"form": WaitlistForm(initial=initial)})


def _free_now_context(form, data, groups) -> dict:
    # The booking flow's search parameters (appointments.forms.SearchForm.query): each time
    # links to its confirm step, and "all free times" to its results page.
    query = {
        "topic": data.topic.code,
        "mode": data.mode,
        "municipality": MunicipalityField.label_for(data.municipality),
    }
    if data.language:
        query["language"] = data.language
    return {
        "form": form,
        "data": data,
        "groups": groups,
        "base_query": urlencode(query),
        "mode_label": Mode(data.mode).label,
    }


@require_POST
@role_required(Role.EMPLOYER)
def waitlist_leave(request, uid):
    entry = WaitlistEntry.objects.filter(company=company_of(request.user), uid=uid).first()
    if entry is None:
        raise Http404
    waitlist.leave(entry=entry)
    messages.success(request, _("You left the waitlist."))
    return redirect("appointments:waitlist")


@limit_posts("booking")
def offer(request, token):
    """The emailed link: the held time, with Confirm and Not this time. The link is the credential
    (as the manage link of an appointment): no sign-in needed within the hold."""
    hold = waitlist.hold_for_token(token)
    if hold is None:
        return render(request, "appointments/link_invalid.html", {"reason": "invalid"}, status=400)
    context = {"hold": hold, "entry": hold.entry, "open": waitlist.is_open(hold), "now": timezone.now()}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                waitlist.decline(hold=hold)
                messages.success(
                    request, _("The time goes to the next company in line. You keep your place.")
                )
                return redirect("appointments:offer", token=token)
            appointment = waitlist.confirm(hold=hold, by=request.user)
        except waitlist.WaitlistError as error:
            context.update(open=False, error=error.message)
            return render(request, "waitlist/offer.html", context, status=410)
        except services.BookingError as error:
            context.update(open=False, error=error_message(error))
            return render(request, "waitlist/offer.html", context, status=409)
        messages.success(request, _("Your appointment is booked. A confirmation email is on its way."))
        if request.user.is_authenticated and company_of(request.user) == hold.entry.company:
            return redirect("appointments:detail", uid=appointment.uid)
        return redirect(manage_url(appointment))
    status = 200 if context["open"] else 410
    return render(request, "waitlist/offer.html", context, status=status)
