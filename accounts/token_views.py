"""The "API tokens" page: every signed-in role creates and revokes personal tokens for the API."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import tokens


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What uses it, e.g. “HR system”. Only you see it."),
    )
    lifetime = forms.TypedChoiceField(
        label=gettext_lazy("Valid for"),
        coerce=int,
        choices=[
            (30, gettext_lazy("30 days")),
            (90, gettext_lazy("90 days")),
            (365, gettext_lazy("1 year")),
        ],
        initial=90,
    )


def _allowed(request):
    if not tokens.may_hold_tokens(request.user):
        raise PermissionDenied


@never_cache
@login_required
def api_tokens(request):
    _allowed(request)
    created = None
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, created = tokens.create_token(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    expires_at=timezone.now() + timedelta(days=form.cleaned_data["lifetime"]),
                )
            except tokens.TokenError:
                form.add_error(
                    None,
                    _("You already have %(count)s active tokens. Revoke one first.")
                    % {"count": tokens.MAX_ACTIVE_TOKENS},
                )
                status = 409
            else:
                form = TokenForm()
                status = 201
        else:
            status = 400
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": tokens.active_tokens(request.user),
            "docs_url": reverse("api_reference"),
        },
        status=status,
    )


@require_POST
@login_required
def api_token_revoke(request, pk: int):
    _allowed(request)
    if tokens.revoke_token(user=request.user, pk=pk):
        messages.success(request, _("The token is revoked: calls made with it are refused from now on."))
    else:
        messages.error(request, _("This token does not exist or is already revoked."))
    return redirect("accounts:api_tokens")
