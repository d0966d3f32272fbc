"""Employer pages: book (search → pick → confirm), my appointments, reschedule and cancel,
and the same actions from the signed link in the emails, without logging in."""

import copy
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.access import Role, company_of, profile_phone, role_required
from advisors.models import Advisor
from appointments import calendar_event, catalogue, checklist, links, selectors, services, suggestions
from appointments.forms import CancelForm, ChecklistForm, ContactPhoneForm, SearchForm, SlotForm
from appointments.models import Appointment, Mode, zone_of_meeting
from appointments.notifications import location_text
from appointments.templatetags.booking import utc_param
from core.business_hours import local_zone
from core.page_cache import cached_page
from core.ratelimit import limit_posts
from service_points.forms import MunicipalityField
from service_points.models import ServicePoint

_UNKNOWN = object()  # `last` not looked up by the caller


def _slot_search(form, *, advisor=None, from_date=None, company=None, last=_UNKNOWN, **options):
    """The slot search of the form; with `company` (a new booking), the adviser who served it last
    on the topic (`last`, when the caller has it) comes first when within reach (continuity), or the
    adviser the form names (booking about a company file: its adviser). `options` go to the selector."""
    data = form.cleaned_data
    if last is _UNKNOWN:
        last = selectors.last_advisor(company, data["topic"]) if company and advisor is None else None
    preferred = data.get("advisor") or (last.pk if last else None)
    return selectors.available_slots(
        topic=data["topic"],
        mode=data["mode"],
        location=data["municipality"],
        language=data.get("language") or None,
        from_date=from_date or data.get("start"),
        only_advisor=advisor,
        prefer_advisor_id=preferred if advisor is None else None,
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
    company = company_of(request.user)
    # The form's lookups (topic, languages, the place and its label) are those kept for the
    # catalogue generation this process's slot search last confirmed: no query. The search then
    # confirms the generation in one snapshot with the appointments; if it moved meanwhile, the
    # page is made again under the new one, so nothing shown is older than the search.
    generation = catalogue.kept_generation()
    form = _search_form(request, generation)
    if not form.is_valid():
        return render(request, "appointments/book.html", {"form": form, "step": 1}, status=400)
    context = _picker_context(form, company)
    if generation is not None and context["generation"] != generation:
        form = _search_form(request, context["generation"])
        if not form.is_valid():
            return render(request, "appointments/book.html", {"form": form, "step": 1}, status=400)
        context = _picker_context(form, company)
    context["picker_html"] = _picker_html(context)
    if request.htmx and not request.htmx.history_restore_request and context["picker_html"]:
        return HttpResponse(context["picker_html"])
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "appointments/partials/day_picker.html", context)
    return render(request, "appointments/slots.html", context)


def _search_form(request, generation: int | None) -> SearchForm:
    """The search of the query string, validated with the lookups kept for `generation`; a
    search those refuse is validated again against the database before the refusal is shown."""
    form = SearchForm(request.GET, generation=generation)
    if not form.is_valid() and generation is not None:
        form = SearchForm(request.GET)
        form.is_valid()
    return form


# The rendered day picker, per process, keyed on everything it shows (below): the same search
# answered the same is not rendered twice, and any change to what it shows is a new key.
_PICKER_FRAGMENTS = 1024
_picker_fragments: OrderedDict[tuple, str] = OrderedDict()
_picker_lock = threading.Lock()


def _picker_html(context: dict) -> str | None:
    """The day picker's HTML for this context, rendered once per distinct content. The key holds
    every value the template reads: the search's days, counts and times (fresh from this
    request's slot search), the query, the language (words and URLs), and the catalogue
    generation the search confirmed (advisers' names and languages, the places' names). None
    without a picker; rendered every time without a generation to key on."""
    picker = context["picker"]
    if picker is None:
        return None
    template = "appointments/partials/day_picker.html"
    generation = context["generation"]
    if generation is None:
        return render_to_string(template, context)
    search = picker.search
    key = (
        get_language(),
        generation,
        context["base_query"],
        context["mode"],
        context["premises_address"],
        tuple(picker.days),
        picker.columns,
        picker.chosen,
        picker.previous_start,
        picker.next_start,
        search.window_start,
        search.skipped_from,
        tuple(
            (
                group.option.advisor_id,
                group.option.service_point_id,
                group.distance_km,
                group.preferred,
                *slots,
            )
            for group, slots in picker.groups
        ),
    )
    with _picker_lock:
        html = _picker_fragments.get(key)
        if html is not None:
            _picker_fragments.move_to_end(key)
            return html
    html = render_to_string(template, context)
    with _picker_lock:
        _picker_fragments[key] = html
        while len(_picker_fragments) > _PICKER_FRAGMENTS:
            _picker_fragments.popitem(last=False)
    return html


def _picker_context(form, company, *, day=None, **extra) -> dict:
    """The booking page's step 2: the topic's limit first (no times to pick once it is reached),
    then the day picker over one slot search."""
    data = form.cleaned_data
    topic = data["topic"]
    upcoming, last = selectors.upcoming_and_last_advisor(company, topic)
    at_limit = len(upcoming) >= topic.max_upcoming_per_company
    picker = None
    if not at_limit:
        # A chosen day without its window (a hand-made link) opens the window on that day.
        search = _slot_search(
            form,
            company=company,
            last=last,
            from_date=data.get("start") or data.get("day"),
            days_per_group=None,
            skip_empty=True,
        )
        picker = selectors.day_picker(search, day=day or data.get("day"))
        selectors.show_in_meeting_zones(search.groups, mode=data["mode"], location=data["municipality"])
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
        # What the catalogue was when the page was read (the search confirms it in one snapshot
        # with the appointments; without a search, one query).
        "generation": picker.search.generation if picker else _generation_now(),
        "suggestions": suggestions.for_topic(topic),
        "step": 2,
        **extra,
    }


def _generation_now() -> int | None:
    """The committed catalogue generation, this process's copy of the catalogue brought up to
    it (what the page shows of advisers comes from there): 1 query while nothing changed."""
    return catalogue.read_generation_and_catalogue()[0]


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
            "time_zone": zone_of_meeting(mode=search["mode"], point=point, location=search["municipality"]),
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
    generation = catalogue.kept_generation()
    company = company_of(request.user)
    error_text = services.error_message(error)
    context = _picker_context(search_form, company, day=local_day, error=error_text)
    if context["generation"] != generation:  # the advisers shown came from an older copy
        context = _picker_context(search_form, company, day=local_day, error=error_text)
    context["picker_html"] = _picker_html(context)
    return render(request, "appointments/slots.html", context, status=409)


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
    calendar_event.attach_checklist_names(upcoming)  # the rows' "add to calendar" menus: 1 query
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


# Changing an appointment ---------------------------------------------------------------------------
# Rescheduling and cancelling each end on a confirmation page that shows what changes (GET, nothing
# written); only its POST calls the service, which checks everything again under its locks. The
# steps are shared by the employer's pages, the emailed link (no session) and, for rescheduling, the
# adviser's page (agenda): `ManageUrls` says where each step lives for whoever is acting.


@dataclass(frozen=True)
class ManageUrls:
    """The pages of one appointment for the person acting on it."""

    detail: str
    reschedule: str
    reschedule_confirm: str
    cancel: str = ""  # the adviser cancels on their own appointment page

    @classmethod
    def for_company(cls, appointment: Appointment) -> "ManageUrls":
        uid = [appointment.uid]
        return cls(
            detail=reverse("appointments:detail", args=uid),
            reschedule=reverse("appointments:reschedule", args=uid),
            reschedule_confirm=reverse("appointments:reschedule_confirm", args=uid),
            cancel=reverse("appointments:cancel", args=uid),
        )

    @classmethod
    def for_link(cls, token: str) -> "ManageUrls":
        return cls(
            detail=reverse("appointments:manage", args=[token]),
            reschedule=reverse("appointments:manage_reschedule", args=[token]),
            reschedule_confirm=reverse("appointments:manage_reschedule_confirm", args=[token]),
            cancel=reverse("appointments:manage_cancel", args=[token]),
        )


def is_changeable(appointment: Appointment) -> bool:
    """Upcoming and not cancelled: it may still be moved or cancelled."""
    return appointment.status == Appointment.Status.CONFIRMED and appointment.starts_at > timezone.now()


def _manage_context(appointment, *, urls: ManageUrls | None = None, **extra):
    return {
        "appointment": appointment,
        "changeable": is_changeable(appointment),
        "location": location_text(appointment),
        "urls": urls or ManageUrls.for_company(appointment),
        **extra,
    }


def _not_changeable(request, urls: ManageUrls):
    """Cancelled, started or over meanwhile (another tab, a colleague, the adviser): say so on the
    appointment page instead of offering a change that would be refused."""
    messages.error(request, services.error_message(services.NOT_CHANGEABLE))
    return redirect(urls.detail)


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


def _reschedule_choices(request, appointment, *, urls, viewer, error=None, status=200, start=None):
    """The same adviser's free times, each a link to the confirmation step; with `error`, why the
    time chosen could not be taken."""
    form = _reschedule_search_form(appointment, start)
    if not form.is_valid():  # a `start` that is not a date, or a topic withdrawn since
        raise Http404
    search = _slot_search(form, advisor=appointment.advisor)
    context = _slots_context(
        form,
        search,
        **_manage_context(appointment, urls=urls),
        viewer=viewer,
        error=services.error_message(error) if error else None,
    )
    if search.next_from:
        context["more_url"] = f"{urls.reschedule}?{urlencode({'start': search.next_from.isoformat()})}"
    return render(request, "appointments/reschedule.html", context, status=status)


def reschedule_page(request, appointment, *, urls: ManageUrls, viewer: str = "employer"):
    """Rescheduling, step 1 (employer's page, emailed link, adviser's page): pick another time of the
    same adviser. Nothing changes here; `viewer` ("employer" or "advisor") words the page."""
    if request.method == "POST":
        # A time picked on a page served before the confirmation step existed: show it to confirm.
        return reschedule_confirm_page(request, appointment, urls=urls, viewer=viewer, review=True)
    if not is_changeable(appointment):
        return _not_changeable(request, urls)
    return _reschedule_choices(request, appointment, urls=urls, viewer=viewer, start=request.GET.get("start"))


def reschedule_confirm_page(
    request, appointment, *, urls: ManageUrls, viewer: str = "employer", success=None, review=False
):
    """Rescheduling, step 2: the appointment now and at the chosen time (GET, nothing written); the
    POST moves it through the service, which checks the time again (taken meanwhile: the free times
    with the reason, 409). `review` shows the step for a POST that is not this step's own."""
    if not is_changeable(appointment):
        return _not_changeable(request, urls)
    posted = request.method == "POST" and not review
    slot_form = SlotForm(request.POST if request.method == "POST" else request.GET)
    if not slot_form.is_valid():
        return _reschedule_choices(
            request, appointment, urls=urls, viewer=viewer, error=services.SLOT_UNAVAILABLE, status=400
        )
    choice = slot_form.cleaned_data
    slot_choice = services.SlotChoice(choice["advisor"], choice.get("point"), choice["at"])
    if posted:
        try:
            services.reschedule_appointment(
                appointment=appointment,
                choice=slot_choice,
                by=request.user if request.user.is_authenticated else None,
            )
        except services.BookingError as error:
            appointment.refresh_from_db()
            if error.code == services.NOT_CHANGEABLE:
                return _not_changeable(request, urls)
            return _reschedule_choices(
                request, appointment, urls=urls, viewer=viewer, error=error, status=409
            )
        if success is None:
            success = _("Your appointment has a new time. An updated calendar file is on its way.")
        messages.success(request, success)
        return redirect(urls.detail)

    slot = None
    if slot_choice.advisor_id == appointment.advisor_id:
        slot = selectors.find_free_slot(
            advisor=appointment.advisor,
            topic=appointment.topic,
            mode=appointment.mode,
            location=appointment.municipality,
            service_point_id=slot_choice.service_point_id,
            starts_at=slot_choice.starts_at,
        )
    if slot is None:
        return _reschedule_choices(
            request, appointment, urls=urls, viewer=viewer, error=services.SLOT_UNAVAILABLE, status=409
        )
    # The appointment as it will be: same adviser, mode and company, the new time and place.
    after = copy.copy(appointment)
    after.starts_at, after.ends_at = slot.start, slot.end
    if slot.service_point_id != appointment.service_point_id:
        points = ServicePoint.objects.select_related("municipality")
        after.service_point = points.filter(pk=slot.service_point_id).first()  # None: by phone
    form = SlotForm(
        initial={
            "advisor": appointment.advisor_id,
            "point": slot.service_point_id,
            "at": utc_param(slot.start),
        }
    )
    context = _manage_context(
        appointment,
        urls=urls,
        viewer=viewer,
        after=after,
        after_location=location_text(after),
        form=form,
        changed={
            "date": timezone.localdate(after.starts_at) != timezone.localdate(appointment.starts_at),
            "time": timezone.localtime(after.starts_at).time()
            != timezone.localtime(appointment.starts_at).time(),
            "place": appointment.mode == Mode.SERVICE_POINT
            and after.service_point_id != appointment.service_point_id,
        },
    )
    return render(request, "appointments/reschedule_confirm.html", context)


def cancel_page(request, appointment, *, urls: ManageUrls):
    """Cancelling: what is cancelled and what follows, an optional reason (GET, nothing written);
    the POST of that page, marked `confirmed`, cancels through the service."""
    if not is_changeable(appointment):
        return _not_changeable(request, urls)
    form = CancelForm(request.POST if request.method == "POST" else None)
    # Without the mark, the POST came from a page served before the confirmation step (a one-tap
    # cancel form): show this step with the reason typed, and change nothing.
    if request.method == "POST" and request.POST.get("confirmed") and form.is_valid():
        try:
            services.cancel_appointment(
                appointment=appointment,
                by=request.user if request.user.is_authenticated else None,
                reason=form.cleaned_data["reason"],
            )
        except services.BookingError as error:
            messages.error(request, services.error_message(error))
            return redirect(urls.detail)
        messages.success(request, _("Your appointment is cancelled. The time is free for another company."))
        return redirect(urls.detail)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "appointments/cancel.html", _manage_context(appointment, urls=urls, form=form), status=status
    )


@role_required(Role.EMPLOYER)
@limit_posts("booking")
def reschedule(request, uid):
    appointment = _company_appointment(request, uid)
    return reschedule_page(request, appointment, urls=ManageUrls.for_company(appointment))


@role_required(Role.EMPLOYER)
@limit_posts("booking")
def reschedule_confirm(request, uid):
    appointment = _company_appointment(request, uid)
    return reschedule_confirm_page(request, appointment, urls=ManageUrls.for_company(appointment))


@role_required(Role.EMPLOYER)
@limit_posts("booking")
def cancel(request, uid):
    appointment = _company_appointment(request, uid)
    return cancel_page(request, appointment, urls=ManageUrls.for_company(appointment))


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
    urls = ManageUrls.for_link(token)
    if request.method == "POST" and request.POST.get("action") == "checklist":
        # The link holder acts for the company, as for cancelling (by=None).
        return _tick(
            request,
            appointment,
            base_url=urls.detail,
            by=None,
            page_extra={"urls": urls, "token": token},
        )
    # The forms of pages served before the confirmation steps posted here: confirm first.
    if request.method == "POST" and request.POST.get("action") == "cancel":
        return cancel_page(request, appointment, urls=urls)
    if request.method == "POST":
        return reschedule_page(request, appointment, urls=urls)
    if "reschedule" in request.GET or "start" in request.GET:  # the former address of step 1
        start = request.GET.get("start")
        return redirect(f"{urls.reschedule}?{urlencode({'start': start})}" if start else urls.reschedule)
    return render(
        request,
        "appointments/detail.html",
        _manage_context(
            appointment, urls=urls, token=token, **_checklist_context(appointment, action=urls.detail)
        ),
    )


@limit_posts("booking")
def manage_reschedule(request, token):
    appointment, error = _appointment_from_link(request, token)
    return error or reschedule_page(request, appointment, urls=ManageUrls.for_link(token))


@limit_posts("booking")
def manage_reschedule_confirm(request, token):
    appointment, error = _appointment_from_link(request, token)
    return error or reschedule_confirm_page(request, appointment, urls=ManageUrls.for_link(token))


@limit_posts("booking")
def manage_cancel(request, token):
    appointment, error = _appointment_from_link(request, token)
    return error or cancel_page(request, appointment, urls=ManageUrls.for_link(token))
