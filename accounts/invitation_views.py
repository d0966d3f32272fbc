"""Colleagues: the "Colleagues" section of the employer's home page (representatives, pending
invitations, the invite form, revoke buttons) and the page an invited colleague accepts on.

Forms are plain POSTs that redirect back to the home page (no JavaScript needed); with htmx the
same POST answers with the refreshed section only.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts import invitations
from accounts.access import Role, company_of, role_of, role_required
from accounts.models import CompanyInvitation, EmployerProfile
from core.ratelimit import limit_posts


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your colleague's email address"),
        max_length=254,
        help_text=gettext_lazy("They get a link, valid 14 days, to join the company's account."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class AcceptForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"


def home_context(user, *, form: InviteForm | None = None, error: str = "") -> dict:
    """The employer's home page: their profile, the company and the Colleagues section."""
    profile = EmployerProfile.objects.select_related("company__municipality__region").get(user=user)
    return {
        "profile": profile,
        "company": profile.company,
        "colleagues": invitations.colleagues(profile.company),
        "invite_form": form or InviteForm(),
        "invite_error": error,
    }


def _answer(request, *, form=None, error="", status=200, done=""):
    """The refreshed section for htmx, else the home page (errors) or a redirect to it."""
    if request.htmx:
        context = home_context(request.user, form=form, error=error)
        return render(request, "accounts/partials/colleagues.html", {**context, "done": done}, status=status)
    if status >= 400:
        return render(
            request,
            "accounts/employer_home.html",
            home_context(request.user, form=form, error=error),
            status=status,
        )
    if done:
        messages.success(request, done)
    return redirect(reverse("accounts:home") + "#colleagues")


@role_required(Role.EMPLOYER)
@limit_posts("invitation")
def invite(request):
    """POST: invite a colleague (or send a pending invitation again)."""
    if request.method != "POST":
        return redirect(reverse("accounts:home") + "#colleagues")
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _answer(request, form=form, status=400)
    try:
        invitation = invitations.invite(
            company=company_of(request.user), by=request.user, email=form.cleaned_data["email"]
        )
    except invitations.InvitationError as error:
        form.add_error("email", error.message)
        return _answer(request, form=form, status=409)
    done = _("The invitation is on its way to %(email)s. The link is valid 14 days.") % {
        "email": invitation.email
    }
    return _answer(request, done=done)


@role_required(Role.EMPLOYER)
def revoke(request, pk: int):
    """POST: withdraw a pending invitation of the employer's company."""
    invitation = (
        CompanyInvitation.objects.select_related("company")
        .filter(pk=pk, company=company_of(request.user))
        .first()
    )
    if invitation is None:
        raise Http404  # another company's invitation does not exist for this employer
    if request.method != "POST":
        return redirect(reverse("accounts:home") + "#colleagues")
    if invitations.revoke(invitation=invitation, by=request.user):
        done = _("The invitation to %(email)s is withdrawn: its link no longer works.") % {
            "email": invitation.email
        }
        return _answer(request, done=done)
    return _answer(
        request, status=409, error=_("This invitation was already accepted, withdrawn or expired.")
    )


def _refused(request, invitation, code):
    refusal = invitations.InvitationError
    status, message = refusal.status_for(code), refusal.message_for(code)
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": invitation, "problem": code, "message": message, "gone": status == 410},
        status=status,
    )


@never_cache
def accept_invitation(request, token: str):
    """The emailed link: the company and an "Accept" button for the invited account (POST accepts).

    An unknown token is a 404; an expired, withdrawn or used one a 410, even before signing in
    (nobody should sign up for a dead link); a valid one asks anonymous visitors to sign in
    (or sign up) first and refuses another account with a 403 that says why."""
    invitation = invitations.find(token)
    if problem := invitations.link_problem(invitation):
        return _refused(request, invitation, problem)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if problem := invitations.acceptance_problem(invitation, request.user):
        return _refused(request, invitation, problem)
    form = AcceptForm(
        request.POST if request.method == "POST" else None,
        initial={"first_name": request.user.first_name, "last_name": request.user.last_name},
    )
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "accounts/invitation.html", {"invitation": invitation, "form": form}, status=400
            )
        try:
            invitations.accept(
                token=token,
                user=request.user,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except invitations.InvitationError as error:
            return _refused(request, invitation, error.code)
        messages.success(
            request,
            _("You now represent %(company)s: you see and book its appointments.")
            % {"company": invitation.company.legal_name},
        )
        return redirect("accounts:home")
    return render(request, "accounts/invitation.html", {"invitation": invitation, "form": form})


def pending_invitations_for(user) -> list[CompanyInvitation]:
    """For the profile page of a signed-in person without a company yet."""
    if role_of(user) != Role.NEW_USER:
        return []
    return invitations.pending_for(user)
