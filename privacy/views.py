"""Law 25 for employers: download the company's data, close one's account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import Role, company_of, role_of, role_required
from core.ratelimit import limit_posts
from privacy.data_export import company_data
from privacy.forms import CloseAccountForm
from privacy.selectors import closure_outlook
from privacy.services import close_account


@role_required(Role.EMPLOYER)
def data_export(request):
    """Law 25: what the service holds about the company and the person, as a JSON file."""
    company = company_of(request.user)
    response = JsonResponse(
        company_data(company, request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="donnees-{company.neq}-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@limit_posts("account_close")
def close(request):
    """Law 25: an employer closes their account. Personal data are anonymised, statistics kept."""
    if role_of(request.user) != Role.EMPLOYER:
        # Staff accounts are managed by administrators; a new user has no company account yet.
        return render(request, "privacy/close.html", {"refused": True}, status=403)
    if request.method == "POST":
        form = CloseAccountForm(request.POST, user=request.user)
        if form.is_valid():
            closure = close_account(user=request.user)
            logout(request)
            if closure.cancelled:
                messages.success(
                    request,
                    ngettext(
                        "Your account is closed and your upcoming appointment is cancelled. "
                        "Thank you for using the service.",
                        "Your account is closed and your %(count)d upcoming appointments are cancelled. "
                        "Thank you for using the service.",
                        closure.cancelled,
                    )
                    % {"count": closure.cancelled},
                )
            else:
                messages.success(request, _("Your account is closed. Thank you for using the service."))
            return redirect("home")
    else:
        form = CloseAccountForm(user=request.user)
    return render(
        request,
        "privacy/close.html",
        {"form": form, "outlook": closure_outlook(user=request.user)},
        status=400 if form.is_bound else 200,
    )
