"""Employer pages: book (search → pick → confirm), my appointments, reschedule and cancel,
and the same actions from the signed link in the emails, without logging in."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Role, company_of, profile_phone, role_required
from advisors.models import Advisor
from appointments import checklist, links, selectors, services
from appointments.forms import CancelForm, ChecklistForm, ContactPhoneForm, SearchForm, SlotForm
from appointments.models import Appointment, Mode
from appointments.notifications import location_text
from appointments.templatetags.booking import utc_param
from core.business_hours import local_zone
from core.page_cache import cached_page
from core.ratelimit import limit_posts
from service_points.forms import MunicipalityField


def _slot_search(form, *, advisor=None, from_date=None, company=None, **options):
    """The slot search of the form; with `company` (a new booking), the adviser who served it last
    on the topic comes first when within reach (continuity). `options` go to the selector."""
    data = form.cleaned_data
    last = selectors.last_advisor(company, data["topic"]) if company and advisor is None else None
    return selectors.available_slots(
        topic=data["topic"],
        mode=data["mode"],
        location=data["municipality"],
        language=data.get("language") or None,
        from_date=from_date or data.get("start"),
        only_advisor=advisor,
        prefer_advisor_id=last.pk if last else None,
        **options,
    )


@role_required(Role.EMPLOYER)
def book(request):
    """Step 1: topic, mode and place. The blank form is the same for every employer of a
    municipality: its rendering is cached (core.page_cache)."""
    company = company_of(request.user)
    # Any field of the form means it was sent: sent with no topic or mode, it answers the errors.
    if "edit" in request.GET:  # "Change" on the results page: the same search, to be changed
        form = SearchForm(initial={k: v for k, v in request.GET.items() if k != "edit"})
        return render(request, "appointments/book.html", {"form": form, "step": 1})
    if {"topic", "mode", "municipality", "language"} & set(request.GET):
        form = SearchForm(request.GET)
        if form.is_valid():
            return redirect(f"{reverse('appointments:slots')}?{urlencode(form.query())}")
        return render(request, "appointments/book.html", {"form": form, "step": 1}, status=400)

    def blank_form():
        form = SearchForm(initial={"municipality": MunicipalityField.label_for(company.municipality)})
        return render(request, "appointments/book.html", {"form": form, "step": 1})

    return cached_page(request, "appointments:book", [company.municipality_id], blank_form)


@role_required(Role.EMPLOYER)
def slots(request):
    """Step 2: the days with free times, then the chosen day's times per adviser and place.
    Links and query parameters without JavaScript; with htmx, choosing a day or another fortnight
    swaps the picker alone."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "appointments/book.html",
            {"form": form, "step": 1},
            status=400,
        )
    context = _picker_context(form, company_of(request.user))
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "appointments/partials/day_picker.html", context)
    return render(request, "appointments/slots.html", context)


def _picker_context(form, company, *, day=None, **extra) -> dict:
    """The booking page's step 2: the topic's limit first (no times to pick once it is reached),
    then the day picker over one slot search."""
    data = form.cleaned_data
    topic = data["topic"]
    upcoming = selectors.upcoming_on_topic(company, topic)
    at_limit = len(upcoming) >= topic.max_upcoming_per_company
    picker = None
    if not at_limit:
        # A chosen day without its window (a hand-made link) opens the window on that day.
        search = _slot_search(
            form,
            company=company,
            from_date=data.get("start") or data.get("day"),
            days_per_group=None,
            skip_empty=True,
        )
        picker = selectors.day_picker(search, day=day or data.get("day"))
    query = form.query()
    return {
        "form": form,
        "query": query,
        "base_query": urlencode(query),
        "premises_address": _premises_address(company, data["municipality"]),
        "mode": data["mode"],
        "mode_label": Mode(data["mode"]).label,
        "company": company,
        "upcoming_on_topic": upcoming,
        "at_limit": at_limit,
        "limit": topic.max_upcoming_per_company,
        "picker": picker,
        "search": picker.search if picker else None,
        "step": 2,
        **extra,
    }


def _slots_context(form, search, **extra):
    query = form.query()
    more_url = None
    if search.next_from:
        more_url = (
            f"{reverse('appointments:slots')}?{urlencode({**query, 'start': search.next_from.isoformat()})}"
        )
    return {
        "form": form,
        "search": search,
        "query": query,
        "base_query": urlencode(query),
        "mode_label": Mode(query["mode"]).label,
        "more_url": more_url,
        "step": 2,
        **extra,
    }


@role_required(Role.EMPLOYER)
@limit_posts("booking")
def confirm(request):
    """Step 3: review the chosen time and confirm. POST books it."""
    company = company_of(request.user)
    search_form = SearchForm(request.GET)
    slot_form = SlotForm(request.POST if request.method == "POST" else request.GET)
    if not search_form.is_valid() or not slot_form.is_valid():
        return render(
            request,
            "appointments/book.html",
            {"form": search_form, "step": 1},
            status=400,
        )
    search, choice = search_form.cleaned_data, slot_form.cleaned_data
    advisor = Advisor.objects.filter(pk=choice["advisor"], is_active=True).select_related("user").first()
    if advisor is None:
        raise Http404(_("No such adviser."))
    slot_choice = services.SlotChoice(advisor.pk, choice.get("point"), choice["at"])
    posted = request.POST if request.method == "POST" else None
    checklist_form = ChecklistForm(posted, topic=search["topic"])
    # A phone meeting needs the number to call, prefilled from the company profile.
    phone_form = (
        ContactPhoneForm(posted, initial={"phone": profile_phone(request.user)})
        if search["mode"] == Mode.PHONE
        else None
    )

    if posted is not None and checklist_form.is_valid() and (phone_form is None or phone_form.is_valid()):
        try:
            appointment = services.book_appointment(
                company=company,
                booked_by=request.user,
                topic=search["topic"],
                mode=search["mode"],
                location=search["municipality"],
                choice=slot_choice,
                message=choice.get("message", ""),
                contact_phone=phone_form.cleaned_data["phone"] if phone_form else "",
                idempotency_key=choice.get("key"),
            )
        except services.BookingError as error:
            return _booking_unavailable(request, search_form, error, day=slot_choice.starts_at)
        _save_ticks(request, appointment, checklist_form.cleaned_data["items"])
        messages.success(request, _("Your appointment is booked. A confirmation email is on its way."))
        return redirect("appointments:detail", uid=appointment.uid)

    slot = selectors.find_free_slot(
        advisor=advisor,
        topic=search["topic"],
        mode=search["mode"],
        location=search["municipality"],
        service_point_id=slot_choice.service_point_id,
        starts_at=slot_choice.starts_at,
    )
    if slot is None:
        return _booking_unavailable(
            request, search_form, services.SLOT_UNAVAILABLE, day=slot_choice.starts_at
        )
    point = advisor.service_points.filter(pk=slot.service_point_id).select_related("municipality").first()
    return render(
        request,
        "appointments/confirm.html",
        {
            "search": search,
            "query": search_form.query(),
            "base_query": urlencode(search_form.query()),
            # Back to the same fortnight and day of the picker.
            "back_query": urlencode({**search_form.query(), **search_form.position()}),
            "mode_label": Mode(search["mode"]).label,
            "advisor": advisor,
            "point": point,
            "slot": slot,
            # A checklist or a number refused on POST: the same form again, message kept.
            "form": slot_form
            if posted is not None
            else SlotForm(
                initial={
                    "advisor": advisor.pk,
                    "point": slot.service_point_id,
                    "at": utc_param(slot.start),
                    "key": uuid.uuid4(),
                }
            ),
            "checklist_form": checklist_form,
            "phone_form": phone_form,
            "step": 3,
        },
        status=400 if posted is not None else 200,
    )


def _save_ticks(request, appointment, items) -> None:
    """The documents ticked on the confirm page, saved once the booking succeeded. A refusal
    does not undo the booking: the employer ticks again on the appointment page."""
    if not items:
        return
    try:
        checklist.tick_checklist(
            appointment=appointment, item_ids=[item.pk for item in items], by=request.user
        )
    except checklist.ChecklistError:
        messages.warning(
            request, _("The documents you ticked could not be saved. Tick them again on this page.")
        )


def _premises_address(company, municipality) -> str:
    """Where a visit at the company's premises takes place: the company's address when the search
    is from its municipality, else the municipality searched from (the address would be wrong)."""
    if company.municipality_id == municipality.pk and company.street_address:
        return f"{company.street_address}, {municipality.name} (Québec) {company.postal_code}"
    return municipality.name


def _booking_unavailable(request, search_form, error, *, day):
    """409 on the confirm step: say why (a BookingError or an error code), and show the picker
    again, on the day of the time refused when it still has free times."""
    local_day = timezone.localtime(day, local_zone()).date() if day else None
    context = _picker_context(
        search_form, company_of(request.user), day=local_day, error=services.error_message(error)
    )
    return render(request, "appointments/slots.html", context, status=409)


def _unavailable(request, search_form, error, *, advisor=None, template, extra=None):
    """409 on the reschedule step: say why (a BookingError or an error code), and show fresh free
    times instead."""
    search = _slot_search(search_form, advisor=advisor, company=company_of(request.user))
    context = _slots_context(search_form, search, error=services.error_message(error), **(extra or {}))
    return render(request, template, context, status=409)


def _company_appointment(request, uid) -> Appointment:
    company = company_of(request.user)
    appointment = selectors.company_appointments(company).filter(uid=uid).first()
    if appointment is None:
        # Another company's appointment is not "forbidden": for this employer it does not exist.
        raise Http404
    return appointment


@role_required(Role.EMPLOYER)
def appointment_list(request):
    upcoming, past = selectors.upcoming_and_past(company_of(request.user))
    return render(
        request, "appointments/list.html", {"upcoming": upcoming, "past": past, "now": timezone.now()}
    )


@role_required(Role.EMPLOYER)
def detail(request, uid):
    appointment = _company_appointment(request, uid)
    action = reverse("appointments:checklist", args=[appointment.uid])
    return render(
        request,
        "appointments/detail.html",
        _manage_context(appointment, **_checklist_context(appointment, action=action)),
    )


def _checklist_context(appointment, *, action, form=None, **extra) -> dict:
    """The appointment page's "Documents to prepare" section; nothing when the topic has none."""
    entries = checklist.checklist(appointment)
    if not entries:
        return {}
    if form is None:
        ticked = [entry.id for entry in entries if entry.ready]
        form = ChecklistForm(initial={"items": ticked}, topic=appointment.topic)
    return {
        "checklist": entries,
        "checklist_form": form,
        "checklist_changeable": checklist.is_changeable(appointment),
        "checklist_action": action,
        **extra,
    }


def _tick(request, appointment, *, base_url, by, page_extra=None):
    """Save the ticked documents (the signed-in page and the signed link); the section for htmx,
    else back to the appointment page."""
    form = ChecklistForm(request.POST, topic=appointment.topic)
    status, error = 200, ""
    if form.is_valid():
        try:
            checklist.tick_checklist(
                appointment=appointment, item_ids=[item.pk for item in form.cleaned_data["items"]], by=by
            )
        except checklist.ChecklistError as refused:
            status, error = refused.status, refused.message
    else:
        status = 400
    done = _("Saved. Your adviser sees what is ready.") if status == 200 else ""
    if status == 200 and not request.htmx:
        messages.success(request, done)
        return redirect(f"{base_url}#checklist")
    section = _checklist_context(
        appointment,
        action=reverse("appointments:checklist", args=[appointment.uid]) if by else base_url,
        form=form if status == 400 else None,
        checklist_done=done,
        checklist_error=error,
    )
    if request.htmx:
        return render(request, "appointments/partials/checklist.html", section, status=status)
    context = _manage_context(appointment, **(page_extra or {}), **section)
    return render(request, "appointments/detail.html", context, status=status)


@role_required(Role.EMPLOYER)
def checklist_view(request, uid):
    """POST: the documents ready for this appointment (any representative of the company)."""
    appointment = _company_appointment(request, uid)
    base_url = reverse("appointments:detail", args=[appointment.uid])
    if request.method != "POST":
        return redirect(base_url)
    return _tick(request, appointment, base_url=base_url, by=request.user)


def _manage_context(appointment, **extra):
    changeable = appointment.status == Appointment.Status.CONFIRMED and appointment.starts_at > timezone.now()
    return {
        "appointment": appointment,
        "changeable": changeable,
        "location": _location(appointment),
        "cancel_form": CancelForm(),
        **extra,
    }


def _location(appointment):
    return location_text(appointment)


def _reschedule_search_form(appointment, start=None):
    data = {
        "topic": appointment.topic.code,
        "mode": appointment.mode,
        "municipality": MunicipalityField.label_for(appointment.municipality),
    }
    if start:
        data["start"] = start
    form = SearchForm(data)
    form.is_valid()
    return form


def reschedule_page(request, appointment, *, base_url, template, success=None):
    """The reschedule step, shared by the employer's page, the signed link and the adviser's page
    (agenda): pick another time with the same adviser."""
    form = _reschedule_search_form(appointment, request.GET.get("start"))
    if request.method == "POST":
        slot_form = SlotForm(request.POST)
        if not slot_form.is_valid():
            return _unavailable(
                request,
                form,
                services.SLOT_UNAVAILABLE,
                advisor=appointment.advisor,
                template=template,
                extra=_manage_context(appointment, base_url=base_url),
            )
        choice = slot_form.cleaned_data
        try:
            services.reschedule_appointment(
                appointment=appointment,
                choice=services.SlotChoice(choice["advisor"], choice.get("point"), choice["at"]),
                by=request.user if request.user.is_authenticated else None,
            )
        except services.BookingError as error:
            appointment.refresh_from_db()
            return _unavailable(
                request,
                form,
                error,
                advisor=appointment.advisor,
                template=template,
                extra=_manage_context(appointment, base_url=base_url),
            )
        messages.success(
            request, success or _("Your appointment has a new time. An updated calendar file is on its way.")
        )
        return redirect(base_url)
    if not form.is_valid():
        raise Http404
    search = _slot_search(form, advisor=appointment.advisor)
    context = _slots_context(form, search, **_manage_context(appointment, base_url=base_url))
    if search.next_from:
        context["more_url"] = f"{request.path}?{urlencode({'start': search.next_from.isoformat()})}"
    return render(request, template, context)


def _cancel(request, appointment, *, base_url):
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(
            request, "appointments/detail.html", _manage_context(appointment, cancel_form=form), status=400
        )
    try:
        services.cancel_appointment(
            appointment=appointment,
            by=request.user if request.user.is_authenticated else None,
            reason=form.cleaned_data["reason"],
        )
    except services.BookingError as error:
        messages.error(request, services.error_message(error))
        return redirect(base_url)
    messages.success(request, _("Your appointment is cancelled. The time is free for another company."))
    return redirect(base_url)


@role_required(Role.EMPLOYER)
@limit_posts("booking")
def reschedule(request, uid):
    appointment = _company_appointment(request, uid)
    url = reverse("appointments:detail", args=[appointment.uid])
    return reschedule_page(request, appointment, base_url=url, template="appointments/reschedule.html")


@role_required(Role.EMPLOYER)
def cancel(request, uid):
    appointment = _company_appointment(request, uid)
    if request.method != "POST":
        return redirect("appointments:detail", uid=uid)
    return _cancel(request, appointment, base_url=reverse("appointments:detail", args=[appointment.uid]))


def _appointment_from_link(request, token):
    appointment = links.appointment_for_token(token)
    if appointment is None:
        return None, render(request, "appointments/link_invalid.html", {"reason": "invalid"}, status=400)
    if appointment.starts_at <= timezone.now():
        return None, render(request, "appointments/link_invalid.html", {"reason": "expired"}, status=410)
    return appointment, None


@limit_posts("booking")
def manage(request, token):
    """The emailed link: see, reschedule or cancel without logging in, until the start time."""
    appointment, error = _appointment_from_link(request, token)
    if error:
        return error
    base_url = reverse("appointments:manage", args=[token])
    if request.method == "POST" and request.POST.get("action") == "cancel":
        return _cancel(request, appointment, base_url=base_url)
    if request.method == "POST" and request.POST.get("action") == "checklist":
        # The link holder acts for the company, as for cancelling (by=None).
        return _tick(
            request,
            appointment,
            base_url=base_url,
            by=None,
            page_extra={"base_url": base_url, "token": token},
        )
    if request.method == "POST" or "reschedule" in request.GET or "start" in request.GET:
        return reschedule_page(
            request, appointment, base_url=base_url, template="appointments/reschedule.html"
        )
    return render(
        request,
        "appointments/detail.html",
        _manage_context(
            appointment, base_url=base_url, token=token, **_checklist_context(appointment, action=base_url)
        ),
    )
