"""The signed-in user's space: one entry point that sends each role to its page, and the profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.access import Role, role_of, role_required
from accounts.forms import CompanyProfileForm, StaffProfileForm
from accounts.invitation_views import home_context, pending_invitations_for
from accounts.mfa import STAFF
from accounts.models import User
from accounts.services import save_employer_profile, save_staff_profile


@login_required
def home(request):
    role = role_of(request.user)
    if role == Role.NEW_USER:
        return redirect("accounts:profile")
    if role == Role.ADVISOR:
        return redirect("advisors:me")
    if role == Role.MANAGER:
        return redirect("midi_regions:directorate", code=request.user.managed_directorate.code)
    if role == Role.ADMINISTRATOR:
        return redirect("midi_regions:network")
    if role == Role.PARTNER:
        return redirect("referrals:list")
    return render(request, "accounts/employer_home.html", home_context(request.user))


@role_required(Role.NEW_USER, Role.EMPLOYER, Role.PARTNER, *STAFF)
def profile(request):
    if role_of(request.user) in (*STAFF, Role.PARTNER):  # names and language, no company
        return staff_profile(request)
    first_time = role_of(request.user) == Role.NEW_USER
    if request.method == "POST":
        form = CompanyProfileForm(request.POST, user=request.user)
        if form.is_valid():
            save_employer_profile(user=request.user, data=form.cleaned_data)
            # Follow the language the employer just chose, as the language switcher would.
            with translation.override(form.cleaned_data["language"]):
                messages.success(request, _("Your company profile is saved."))
                return redirect("accounts:home")
    else:
        form = CompanyProfileForm(initial=CompanyProfileForm.initial_for(request.user), user=request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "first_time": first_time,
            "invitations": pending_invitations_for(request.user) if first_time else [],
        },
        status=400 if form.is_bound else 200,
    )


def staff_profile(request):
    """An adviser's, manager's, administrator's or partner's own profile (the company profile is
    employers')."""
    if request.method == "POST":
        form = StaffProfileForm(request.POST, instance=User.objects.get(pk=request.user.pk))
        if form.is_valid():
            save_staff_profile(user=request.user, data=form.cleaned_data)
            with translation.override(form.cleaned_data["language"]):
                messages.success(request, _("Your profile is saved."))
                return redirect("accounts:profile")
    else:
        form = StaffProfileForm(instance=request.user)
    return render(
        request, "accounts/staff_profile.html", {"form": form}, status=400 if form.is_bound else 200
    )
