"""The partner's pages (refer a company, my referrals and their status), the manager's figures
and CSV, and the contact's claim link. Views are thin: the form validates, one service acts."""

import csv
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache

from accounts.access import Role, company_of, role_required
from appointments import selectors as slot_selectors
from appointments.services import BookingError, SlotChoice, error_message
from appointments.templatetags.booking import utc_param
from core.ratelimit import limit_posts
from referrals import claims, selectors, services
from referrals.forms import ClaimForm, ReferralForm
from referrals.models import Referral

SLOT_GROUPS = 3


def _slot_choices(data) -> list[tuple[str, str]]:
    """The next free times of the nearest qualified advisers for the need, as radio choices."""
    search = slot_selectors.available_slots(
        topic=data["topic"],
        mode=data["mode"],
        location=data["municipality"],
        language=data.get("language"),
        groups=SLOT_GROUPS,
        skip_empty=True,
    )
    slot_selectors.show_in_meeting_zones(search.groups, mode=data["mode"], location=data["municipality"])
    choices = []
    for group in search.groups:
        place = f" – {group.service_point.host_office}" if group.service_point else ""
        for _day, slots in group.days:
            for slot in slots[:4]:
                local = timezone.localtime(slot.start, ZoneInfo(group.time_zone))
                label = f"{local:%Y-%m-%d %H:%M} – {group.advisor}{place}"
                choices.append(
                    (f"{group.advisor.pk}|{slot.service_point_id or ''}|{utc_param(slot.start)}", label)
                )
    return choices


def _parse_choice(value: str) -> SlotChoice:
    advisor_id, point_id, at = value.split("|")
    return SlotChoice(int(advisor_id), int(point_id) if point_id else None, parse_datetime(at))


@never_cache
@role_required(Role.PARTNER)
def referral_list(request):
    referrals = list(selectors.referrals_of(request.user))
    return render(request, "referrals/list.html", {"referrals": referrals})


@never_cache
@role_required(Role.PARTNER)
@limit_posts("referrals")
def referral_new(request):
    suggestions, slots, error, status = [], [], None, 200
    form = ReferralForm(request.POST or None)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            booking_choice = None
            if form.cleaned_data["how"] == ReferralForm.BOOK:
                slots = _slot_choices(form.cleaned_data)
                chosen = form.cleaned_data.get("slot")
                if chosen and chosen in {value for value, _label in slots}:
                    booking_choice = services.BookingChoice(_parse_choice(chosen))
            if form.cleaned_data["how"] == ReferralForm.BOOK and booking_choice is None:
                error = (
                    _("Choose one of the free times below.")
                    if slots
                    else _("No adviser has a free time for this need soon: send it to an adviser instead.")
                )
                status = 200 if not form.cleaned_data.get("slot") else 409
            else:
                try:
                    referral = services.refer_company(
                        partner=request.user, data=form.referral_data(), booking_choice=booking_choice
                    )
                except services.ReferralError as exc:
                    error, suggestions = exc.message, exc.suggestions
                    status = exc.status
                except BookingError as exc:
                    error, status = error_message(exc), 409
                else:
                    messages.success(request, _("Thank you: the referral is sent."))
                    return redirect("referrals:detail", uid=referral.uid)
        if suggestions or slots:
            form = ReferralForm(request.POST, suggestions=suggestions, slots=slots)
            form.is_valid()
    return render(
        request,
        "referrals/new.html",
        {"form": form, "error": error, "suggestions": suggestions, "slots": slots},
        status=status,
    )


@never_cache
@role_required(Role.PARTNER)
def referral_detail(request, uid):
    referral = selectors.referral_for_partner(request.user, uid)
    if referral is None:
        raise Http404
    status = Referral.Status
    steps = [
        (status.RECEIVED.label, referral.created_at),
        (status.CONTACTED.label, referral.contacted_at),
        (status.MEETING_HELD.label, referral.meeting_held_at),
        (status.CLOSED.label, referral.closed_at),
    ]
    return render(request, "referrals/detail.html", {"referral": referral, "steps": steps})


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def dashboard(request):
    rows = selectors.figures_by_office(request.user)
    return render(request, "referrals/dashboard.html", {"rows": rows})


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def export(request):
    separator = request.user.csv_separator or (";" if request.LANGUAGE_CODE.startswith("fr") else ",")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recommandations.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with its byte-order mark
    writer = csv.writer(response, delimiter=separator)
    writer.writerow(
        [
            _("Partner organisation"),
            _("Office"),
            _("Referrals"),
            _("Contacted"),
            _("Meetings held"),
            pgettext("referrals, a count", "Closed"),
            _("Median days to first contact"),
            _("Median days to first meeting"),
        ]
    )
    for row in selectors.figures_by_office(request.user):
        writer.writerow(
            [
                row.organisation,
                row.office,
                row.referred,
                row.contacted,
                row.meetings,
                row.closed,
                "" if row.median_days_to_contact is None else row.median_days_to_contact,
                "" if row.median_days_to_meeting is None else row.median_days_to_meeting,
            ]
        )
    return response


@never_cache
def claim(request, token):
    """The contact's signed link: choose a password; the account already holds everything."""
    user = claims.user_for_claim(token)
    if user is None:
        return render(request, "referrals/claim_invalid.html", status=400)
    form = ClaimForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        claims.claim_account(user=user, password=form.cleaned_data["password1"])
        login(request, user, backend="accounts.backends.AuthenticationBackend")
        messages.success(
            request, _("Your account is ready. Your company's appointments and requests are here.")
        )
        return redirect("accounts:home")
    return render(
        request,
        "referrals/claim.html",
        {"form": form, "claimed_user": user, "company": company_of(user)},
        status=400 if form.is_bound else 200,
    )
