"""Consultation requests in the browser.

Employers file a request when no offered time suits, follow it, and book a proposed time.
Advisers answer the requests assigned to them (inbox): propose up to three times or book one.
Regional managers see the requests of their directorate with every routing decision, answer
the ones escalated to them, and may give an open request to another adviser of the directorate.
"""

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Role, company_of, profile_phone, role_of, role_required
from appointments import selectors, services
from appointments.services import error_message
from appointments.templatetags.booking import utc_param
from consultations import provenance, routing
from consultations import selectors as request_selectors
from consultations import services as requests
from consultations.forms import DeclineRequestForm, HandleRequestForm, ReassignForm, RequestForm
from consultations.models import ConsultationRequest, RoutingDecision
from core.ratelimit import limit_posts
from service_points.forms import MunicipalityField

NOT_YOURS_TO_REASSIGN = gettext_lazy(
    "Only the regional manager of this request's directorate, or an administrator, may reassign it."
)


# --- Employers ---------------------------------------------------------------------------------


@role_required(Role.EMPLOYER)
@limit_posts("request")
def request_new(request):
    company = company_of(request.user)
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            created = requests.create_request(
                company=company,
                user=request.user,
                data=requests.RequestData.from_cleaned(data),
            )
            messages.success(
                request, _("Your request is sent. The nearest qualified adviser will answer you by email.")
            )
            return redirect("appointments:request_detail", uid=created.uid)
        return render(request, "consultations/new.html", {"form": form}, status=400)
    initial = {
        "municipality": MunicipalityField.label_for(company.municipality),
        "phone": profile_phone(request.user),
        "language": "en" if request.user.language.startswith("en") else "fr",
        "preferred_time": ConsultationRequest.TimeOfDay.ANY,
    }
    for name in ("topic", "mode"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    return render(request, "consultations/new.html", {"form": RequestForm(initial=initial)})


def _company_request(request, uid) -> ConsultationRequest:
    found = (
        ConsultationRequest.objects.filter(company=company_of(request.user), uid=uid)
        .select_related("topic", "municipality", "appointment__advisor__user", "assigned_advisor__user")
        .first()
    )
    if found is None:
        raise Http404
    return found


@role_required(Role.EMPLOYER)
def request_list(request):
    rows = (
        ConsultationRequest.objects.filter(company=company_of(request.user))
        .select_related("topic", "municipality", "assigned_advisor__user")
        .order_by("-created_at")[:100]
    )
    return render(request, "consultations/list.html", {"rows": rows})


@role_required(Role.EMPLOYER)
def request_detail(request, uid):
    consultation = _company_request(request, uid)
    return _employer_detail(request, consultation)


def _employer_detail(request, consultation, *, error=None, status=200):
    proposals = consultation.proposals.select_related("advisor__user", "service_point__municipality")
    return render(
        request,
        "consultations/detail.html",
        {"consultation": consultation, "proposals": proposals, "error": error},
        status=status,
    )


@role_required(Role.EMPLOYER)
def request_book(request, uid):
    consultation = _company_request(request, uid)
    if request.method != "POST":
        return redirect("appointments:request_detail", uid=uid)
    try:
        proposal_id = int(request.POST.get("proposal", ""))
    except ValueError:
        return _employer_detail(
            request, consultation, error=_("Choose one of the proposed times."), status=400
        )
    try:
        requests.book_proposed_time(request=consultation, by=request.user, proposal_id=proposal_id)
    except services.BookingError as error:
        message = _("This time is no longer free. Ask the adviser for other times by replying to the email.")
        if error.code != services.SLOT_TAKEN:
            message = error_message(error)
        return _employer_detail(request, consultation, error=message, status=409)
    except requests.RequestError as error:
        return _employer_detail(request, consultation, error=error.message, status=409)
    messages.success(request, _("Your appointment is booked. A confirmation email is on its way."))
    consultation.refresh_from_db()
    return redirect("appointments:detail", uid=consultation.appointment.uid)


@role_required(Role.EMPLOYER)
def request_withdraw(request, uid):
    consultation = _company_request(request, uid)
    if request.method != "POST":
        return redirect("appointments:request_detail", uid=uid)
    try:
        requests.withdraw_request(request=consultation, by=request.user)
    except requests.RequestError as error:
        return _employer_detail(request, consultation, error=error.message, status=409)
    messages.success(request, _("Your request is withdrawn."))
    return redirect("appointments:requests")


# --- Advisers and managers ---------------------------------------------------------------------


@role_required(Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
def inbox(request):
    base = ConsultationRequest.objects.select_related(
        "topic", "municipality", "company", "assigned_advisor__user", "assigned_manager"
    )
    role = role_of(request.user)
    waiting = []
    if role != Role.ADMINISTRATOR:
        # Why each request came to this person: the reason of its latest routing decision.
        latest = RoutingDecision.objects.filter(request=OuterRef("pk"), hop=OuterRef("hops"))
        waiting = list(
            base.filter(request_selectors.requests_waiting_for(request.user))
            .annotate(routing_reason=Subquery(latest.values("reason")[:1]))
            .order_by("due_at", "created_at")
        )
        for item in waiting:
            item.routing_reason_label = (
                RoutingDecision.Reason(item.routing_reason).label if item.routing_reason else ""
            )
    network = None
    if role in (Role.MANAGER, Role.ADMINISTRATOR):
        network = (
            base.filter(request_selectors.requests_visible_to(request.user))
            .distinct()
            .order_by("-created_at")[:200]
        )
    return render(
        request,
        "consultations/inbox.html",
        {"waiting": waiting, "network": network, "now": timezone.now()},
    )


def _offered(search) -> list[str]:
    return [
        f"{group.advisor.pk}|{slot.service_point_id or ''}|{utc_param(slot.start)}"
        for group in search.groups
        for _day, slots in group.days
        for slot in slots
    ]


def _parse_choice(value: str) -> services.SlotChoice:
    advisor_id, point_id, at = value.split("|")
    return services.SlotChoice(int(advisor_id), int(point_id) if point_id else None, parse_datetime(at))


def _staff_request(request, uid) -> ConsultationRequest:
    """A request this adviser, manager or administrator may open; 404 for anyone else."""
    consultation = (
        ConsultationRequest.objects.filter(request_selectors.requests_visible_to(request.user), uid=uid)
        .select_related(
            "topic",
            "municipality__region",
            "company",
            "assigned_advisor__user",
            "appointment",
            "requested_by__employer_profile",
        )
        .distinct()
        .first()
    )
    if consultation is None:
        raise Http404
    return consultation


@role_required(Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
def handle(request, uid):
    consultation = _staff_request(request, uid)
    can_act = requests.may_handle(consultation, request.user)
    search = form = None
    if can_act:
        search = selectors.available_slots(
            topic=consultation.topic,
            mode=consultation.mode,
            location=consultation.municipality,
            language=consultation.language,
            only_advisor=None
            if consultation.status == ConsultationRequest.Status.MANAGER
            else request.user.advisor,
        )
        selectors.show_in_meeting_zones(
            search.groups, mode=consultation.mode, location=consultation.municipality
        )
        form = HandleRequestForm(request.POST if request.method == "POST" else None, offered=_offered(search))
    status, error = 200, None
    if request.method == "POST":
        if not can_act:
            status, error = 409, requests.RequestError.message_for(requests.NOT_YOURS)
        elif form.is_valid():
            choices = [_parse_choice(v) for v in form.cleaned_data["times"]]
            try:
                if form.cleaned_data["action"] == HandleRequestForm.BOOK:
                    requests.book_for_employer(request=consultation, by=request.user, choice=choices[0])
                    messages.success(
                        request, _("The appointment is booked; the employer gets a confirmation.")
                    )
                else:
                    requests.propose_times(request=consultation, by=request.user, choices=choices)
                    messages.success(request, _("The times are sent to the employer."))
                return redirect("appointments:inbox")
            except services.BookingError as exc:
                status, error = 409, error_message(exc)
            except requests.RequestError as exc:
                status, error = 409, exc.message
        else:
            status = 400
    return _handle_page(
        request, consultation, search=search, form=form, can_act=can_act, error=error, status=status
    )


def _handle_page(
    request,
    consultation,
    *,
    search,
    form,
    can_act,
    error=None,
    status=200,
    decline_form=None,
    reassign_form=None,
):
    decisions = None
    if role_of(request.user) in (Role.MANAGER, Role.ADMINISTRATOR):
        decisions = list(request_selectors.decisions_of(consultation))
        for decision in decisions:
            decision.by = request_selectors.decided_by(decision)
    latest = consultation.decisions.filter(hop=consultation.hops).first()
    return render(
        request,
        "consultations/handle.html",
        {
            "consultation": consultation,
            "contact": selectors.contact_of(consultation.requested_by, phone=consultation.contact_phone),
            "search": search,
            "form": form,
            "can_act": can_act,
            "can_decline": can_act and consultation.status == ConsultationRequest.Status.ASSIGNED,
            "decline_form": decline_form or DeclineRequestForm(),
            "reassign_form": reassign_form or _reassign_form(request, consultation),
            "latest_decision": latest,
            "provenance": provenance.provenance_of(consultation),
            "my_distance": _my_distance(latest, request.user),
            "decisions": decisions,
            "error": error,
            "proposals": consultation.proposals.select_related(
                "advisor__user", "service_point__municipality"
            ),
        },
        status=status,
    )


def _reassign_form(request, consultation, data=None) -> ReassignForm | None:
    """The manager's "reassign" form while the request is open, or None if they may not."""
    if consultation.status not in routing.REASSIGNABLE:
        return None
    directorates = routing.reassign_directorates(consultation, request.user)
    if not directorates:
        return None
    advisors = selectors.reassignment_candidates(
        directorate_ids=directorates,
        topic=consultation.topic,
        exclude_advisor_id=consultation.assigned_advisor_id,
    )
    load = None if data is not None else routing.open_caseload(advisors.values_list("pk", flat=True))
    return ReassignForm(data, advisors=advisors, load=load)


def _my_distance(decision, user):
    advisor = getattr(user, "advisor", None)
    if decision is None or advisor is None:
        return None
    return next((c["distance_km"] for c in decision.candidates if c.get("advisor") == advisor.pk), None)


@role_required(Role.ADVISOR)
def decline(request, uid):
    """The assigned adviser passes the request on, with a reason (POST only)."""
    consultation = _staff_request(request, uid)
    if request.method != "POST":
        return redirect("appointments:handle", uid=uid)
    form = DeclineRequestForm(request.POST)
    if not form.is_valid():
        return _handle_page(
            request,
            consultation,
            search=None,
            form=None,
            can_act=requests.may_handle(consultation, request.user),
            status=400,
            decline_form=form,
        )
    try:
        routing.decline_request(consultation.pk, by=request.user, reason=form.cleaned_data["reason"])
    except PermissionError:
        return _handle_page(
            request,
            consultation,
            search=None,
            form=None,
            can_act=False,
            error=requests.RequestError.message_for(requests.NOT_YOURS),
            status=409,
        )
    messages.success(request, _("The request is passed on. Thank you for saying why."))
    return redirect("appointments:inbox")


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def reassign_request(request, uid):
    """The manager gives an open request to another adviser of the directorate (POST only)."""
    consultation = _staff_request(request, uid)
    if request.method != "POST":
        return redirect("appointments:handle", uid=uid)
    page = {"search": None, "form": None, "can_act": False}
    if consultation.status not in routing.REASSIGNABLE:
        return _handle_page(
            request,
            consultation,
            **page,
            error=requests.RequestError.message_for(requests.NOT_OPEN),
            status=409,
        )
    form = _reassign_form(request, consultation, data=request.POST)
    if form is None:
        return _handle_page(request, consultation, **page, error=NOT_YOURS_TO_REASSIGN, status=403)
    if not form.is_valid():
        return _handle_page(request, consultation, **page, status=400, reassign_form=form)
    advisor = form.cleaned_data["advisor"]
    try:
        routing.reassign_request(
            consultation.pk, to_advisor=advisor, by=request.user, reason=form.cleaned_data["reason"]
        )
    except PermissionError:
        return _handle_page(request, consultation, **page, error=NOT_YOURS_TO_REASSIGN, status=403)
    except requests.RequestError as exc:
        consultation.refresh_from_db()
        return _handle_page(request, consultation, **page, error=exc.message, status=409)
    messages.success(
        request,
        _("The request is now with %(adviser)s. Both advisers and the employer are told.")
        % {"adviser": advisor},
    )
    return redirect("appointments:handle", uid=uid)
