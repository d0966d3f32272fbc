"""Pages of group sessions: the public list and a session's page (no sign-in needed), registering
(employers), the signed link of a registration (change participants, cancel, answer an offer), and
the presenter's and manager's pages (schedule one or a series, registrants, attendance, capacity,
message, cancel). Thin: a form validates, one service acts, refusals show with their status."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.access import Role, company_of, role_of, role_required
from core.ratelimit import limit_posts
from group_sessions import calendar, links, selectors, services
from group_sessions.forms import (
    CancelForm,
    CapacityForm,
    FilterForm,
    MessageForm,
    ParticipantsForm,
    SessionForm,
)
from group_sessions.models import GroupSession, Registration

STAFF = (Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
PAGE_SIZE = 25


def _session_or_404(uid) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.select_related(
            "topic", "language", "advisor__user", "service_point__municipality__region"
        ),
        uid=uid,
    )


# --- Public ----------------------------------------------------------------------------------------


def session_list(request):
    form = FilterForm(request.GET or None)
    sessions = selectors.upcoming(**form.filters())
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_names(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "group_sessions/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def session_detail(request, uid):
    session = _session_or_404(uid)
    company = company_of(request.user)
    mine = None
    if company is not None:
        mine = session.registrations.filter(company=company, status__in=Registration.ACTIVE).first()
    form = None
    if company is not None and mine is None and session.registration_open():
        form = ParticipantsForm(
            size=session.max_party_size,
            filled=[services.Person(request.user.get_full_name(), request.user.email)],
            offer_waitlist=session.waitlist_enabled,
        )
    return render(
        request,
        "group_sessions/detail.html",
        {
            "session": session,
            "form": form,
            "mine": mine,
            "manage_url": links.manage_url(mine) if mine else "",
            "is_employer": role_of(request.user) == Role.EMPLOYER,
            "place": calendar.place_text(session),
        },
    )


@role_required(Role.EMPLOYER)
@limit_posts("booking")
def register(request, uid):
    session = _session_or_404(uid)
    if request.method != "POST":
        return redirect("group_sessions:detail", uid=uid)
    form = ParticipantsForm(
        request.POST, size=session.max_party_size, offer_waitlist=session.waitlist_enabled
    )
    status = 400
    if form.is_valid():
        try:
            registration = services.register(
                session=session,
                company=company_of(request.user),
                by=request.user,
                people=form.cleaned_data["people"],
                waitlist=form.cleaned_data.get("waitlist", False),
            )
        except services.SessionError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            if registration.status == Registration.Status.CONFIRMED:
                messages.success(
                    request, _("You are registered. A confirmation was emailed to each participant.")
                )
            else:
                messages.success(request, _("The session is full: your company is on the waitlist."))
            return redirect(links.manage_url(registration))
    return render(
        request,
        "group_sessions/detail.html",
        {"session": session, "form": form, "is_employer": True, "place": calendar.place_text(session)},
        status=status,
    )


@role_required(Role.EMPLOYER)
def my_registrations(request):
    registrations = list(selectors.company_registrations(company_of(request.user)))
    for registration in registrations:
        registration.manage_url = links.manage_url(registration)
    return render(request, "group_sessions/mine.html", {"registrations": registrations})


# --- The signed link of a registration ------------------------------------------------------------


def _registration_for(token) -> Registration:
    registration = links.registration_for_token(token)
    if registration is None:
        raise Http404
    return registration


def _manage_context(registration, **extra):
    session = registration.session
    now = timezone.now()
    changeable = (
        registration.status in Registration.ACTIVE and session.is_scheduled and session.starts_at > now
    )
    return {
        "registration": registration,
        "session": session,
        "participants": registration.participants.filter(removed_at__isnull=True),
        "changeable": changeable,
        "offer_open": registration.status == Registration.Status.OFFERED
        and registration.hold_expires_at > now,
        "place": calendar.place_text(session),
        "join_url": calendar.join_link(session, registration.company.legal_name)
        if registration.status == Registration.Status.CONFIRMED
        else "",
        **extra,
    }


@limit_posts("booking")
def manage(request, token):
    """The registration: change the participants (POST), or see it."""
    registration = _registration_for(token)
    participants = list(registration.participants.filter(removed_at__isnull=True))
    form = ParticipantsForm(
        request.POST or None,
        size=registration.session.max_party_size,
        filled=participants,
        offer_waitlist=False,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.change_participants(registration=registration, people=form.cleaned_data["people"])
            except services.SessionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("The participants are changed."))
                return redirect("group_sessions:manage", token=token)
    return render(
        request, "group_sessions/manage.html", _manage_context(registration, form=form), status=status
    )


def manage_cancel(request, token):
    """GET: the confirmation step; POST: cancel the registration."""
    registration = _registration_for(token)
    if request.method == "POST":
        try:
            services.cancel_registration(registration=registration)
        except services.SessionError as error:
            return render(
                request,
                "group_sessions/cancel.html",
                _manage_context(registration, error=error.message),
                status=error.status,
            )
        messages.success(request, _("Your registration is cancelled. Each participant was told."))
        return redirect("group_sessions:manage", token=token)
    return render(request, "group_sessions/cancel.html", _manage_context(registration))


@require_POST
def manage_offer(request, token):
    registration = _registration_for(token)
    try:
        if request.POST.get("action") == "confirm":
            services.confirm_offer(registration=registration)
            messages.success(request, _("The seats are yours: you are registered."))
        else:
            services.decline_offer(registration=registration)
            messages.success(request, _("You declined the seats; they go to the next company in line."))
    except services.SessionError as error:
        registration.refresh_from_db()
        return render(
            request,
            "group_sessions/manage.html",
            _manage_context(registration, error=error.message),
            status=error.status,
        )
    return redirect("group_sessions:manage", token=token)


def manage_calendar_file(request, token):
    registration = _registration_for(token)
    cancelled = registration.status not in Registration.SEATED or not registration.session.is_scheduled
    content = calendar.calendar_file(
        registration, cancelled=cancelled, manage_url=links.manage_url(registration)
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="session.ics"'
    return response


# --- Presenters and managers ----------------------------------------------------------------------


@role_required(*STAFF)
def staff_list(request):
    return render(
        request,
        "group_sessions/staff_list.html",
        {
            "upcoming": selectors.managed_by(request.user)[:200],
            "past": selectors.managed_by(request.user, past=True)[:50],
            "can_see_figures": role_of(request.user) in FIGURE_ROLES,
        },
    )


@role_required(*STAFF)
def staff_new(request):
    form = SessionForm(request.POST or None, presenters=services.presenters_for(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sessions = services.schedule_series(
                    data=form.session_data(), rule=form.rule(), by=request.user
                )
            except services.SessionError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                if len(sessions) == 1:
                    messages.success(request, _("The session is scheduled."))
                else:
                    messages.success(
                        request, _("%(count)s sessions are scheduled.") % {"count": len(sessions)}
                    )
                return redirect("group_sessions:staff_detail", uid=sessions[0].uid)
    return render(request, "group_sessions/staff_new.html", {"form": form}, status=status)


def _managed_or_404(request, uid) -> GroupSession:
    session = _session_or_404(uid)
    if not services.may_manage(session, request.user):
        raise Http404
    return session


def _staff_page(request, session, *, status=200, **forms):
    registrations = selectors.registrants(session)
    context = {
        "session": session,
        "registrations": registrations,
        "seated": [r for r in registrations if r.status == Registration.Status.CONFIRMED],
        "waiting": [r for r in registrations if r.status != Registration.Status.CONFIRMED],
        "started": session.starts_at <= timezone.now(),
        "place": calendar.place_text(session),
        "capacity_form": forms.get("capacity_form") or CapacityForm(initial={"capacity": session.capacity}),
        "message_form": forms.get("message_form") or MessageForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "error": forms.get("error"),
    }
    return render(request, "group_sessions/staff_detail.html", context, status=status)


@role_required(*STAFF)
def staff_detail(request, uid):
    return _staff_page(request, _managed_or_404(request, uid))


@role_required(*STAFF)
def staff_capacity(request, uid):
    session = _managed_or_404(request, uid)
    if request.method != "POST":
        return redirect("group_sessions:staff_detail", uid=uid)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, session, status=400, capacity_form=form)
    try:
        services.change_capacity(session=session, capacity=form.cleaned_data["capacity"], by=request.user)
    except services.SessionError as error:
        form.add_error("capacity", error.message)
        return _staff_page(request, session, status=error.status, capacity_form=form)
    messages.success(request, _("The capacity is changed."))
    return redirect("group_sessions:staff_detail", uid=uid)


@role_required(*STAFF)
@limit_posts("invitation")
def staff_message(request, uid):
    session = _managed_or_404(request, uid)
    if request.method != "POST":
        return redirect("group_sessions:staff_detail", uid=uid)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, session, status=400, message_form=form)
    services.message_registrants(session=session, by=request.user, **form.cleaned_data)
    messages.success(request, _("The message is being sent to every registrant."))
    return redirect("group_sessions:staff_detail", uid=uid)


@role_required(*STAFF)
def staff_cancel(request, uid):
    session = _managed_or_404(request, uid)
    if request.method != "POST":
        return redirect("group_sessions:staff_detail", uid=uid)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, session, status=400, cancel_form=form)
    try:
        services.cancel_session(session=session, by=request.user, reason=form.cleaned_data["reason"])
    except services.SessionError as error:
        return _staff_page(request, session, status=error.status, error=error.message)
    messages.success(request, _("The session is cancelled. Every registrant is told once."))
    return redirect("group_sessions:staff_detail", uid=uid)


@role_required(*STAFF)
def staff_attendance(request, uid):
    session = _managed_or_404(request, uid)
    if request.method != "POST":
        return redirect("group_sessions:staff_detail", uid=uid)
    marks = {}
    for name, value in request.POST.items():
        if name.startswith("attendance_") and name.removeprefix("attendance_").isdigit():
            marks[int(name.removeprefix("attendance_"))] = value
    try:
        services.mark_attendance(session=session, by=request.user, marks=marks)
    except services.SessionError as error:
        return _staff_page(request, session, status=error.status, error=error.message)
    messages.success(request, _("Attendance is saved."))
    return redirect("group_sessions:staff_detail", uid=uid)


# --- The manager's figures -------------------------------------------------------------------------

FIGURE_ROLES = (Role.MANAGER, Role.ADMINISTRATOR)


def _figures(request):
    from datetime import datetime, timedelta

    from core import local_time
    from group_sessions.forms import PeriodForm

    today = timezone.localdate()
    form = PeriodForm(
        request.GET or None, initial={"start": today - timedelta(days=90), "end": today + timedelta(days=90)}
    )
    start, end = today - timedelta(days=90), today + timedelta(days=90)
    if form.is_valid():
        start, end = form.cleaned_data.get("start") or start, form.cleaned_data.get("end") or end
    zone = local_time.zone(local_time.EASTERN)
    sessions = selectors.figure_scope(
        request.user,
        start=datetime.combine(start, datetime.min.time(), tzinfo=zone),
        end=datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=zone),
    )
    tables = []
    names = selectors.figure_names()
    for group, title in (("topic", _("By topic")), ("region", _("By region")), ("mode", _("By mode"))):
        rows = selectors.figures(sessions, by=group)
        for row in rows:
            row["label"] = names[group].get(row["key"], row["key"] or "—")
        tables.append({"group": group, "title": title, "rows": rows})
    return form, start, end, tables


@role_required(*FIGURE_ROLES)
def staff_figures(request):
    form, start, end, tables = _figures(request)
    return render(
        request,
        "group_sessions/figures.html",
        {"form": form, "start": start, "end": end, "tables": tables, "query": request.GET.urlencode()},
    )


@role_required(*FIGURE_ROLES)
def staff_figures_csv(request):
    import csv

    form, start, end, tables = _figures(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="information-sessions-{start}-{end}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with its BOM
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Grouped by"),
            _("Value"),
            pgettext("group information sessions", "Sessions"),
            pgettext("group information sessions", "Cancelled"),
            _("Seats offered"),
            _("Seats taken"),
            _("Employers reached"),
            pgettext("attendance of a participant", "Present"),
            pgettext("attendance of a participant", "Absent"),
            _("Attendance rate (%)"),
        ]
    )
    for table in tables:
        for row in table["rows"]:
            writer.writerow(
                [
                    table["group"],
                    row["label"],
                    row["sessions"],
                    row["cancelled"],
                    row["seats_offered"],
                    row["seats_taken"],
                    row["employers"],
                    row["present"],
                    row["absent"],
                    "" if row["attendance_rate"] is None else row["attendance_rate"],
                ]
            )
    return response
