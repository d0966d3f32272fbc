"""Who may see what: the one authorization helper every view, task and API call goes through.

Roles come from links, not flags: an employer has an EmployerProfile, an adviser an Advisor
record, a partner a PartnerMember (referrals), a regional manager is the `manager` of a
RegionalDirectorate, and an administrator is ministry staff (`is_staff`). When a person holds
several, the widest wins.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from midi_regions.models import RegionalDirectorate


class Role(models.TextChoices):
    # The labels name the role beside a person's name (the audit trail's "By").
    ADMINISTRATOR = "administrator", _("Administrator")
    MANAGER = "manager", _("Regional manager")
    ADVISOR = "advisor", _("Adviser")
    EMPLOYER = "employer", _("Employer")
    # A partner organisation's member (a Services Québec business adviser…): refers companies
    # and follows their referrals' status (referrals app, `partner_membership`).
    PARTNER = "partner", _("Partner organisation")
    NEW_USER = "new_user", _("Signed-up user")  # no profile yet: may create an employer profile
    ANONYMOUS = "anonymous", _("Visitor")


def _has_related(user, name: str) -> bool:
    try:
        return getattr(user, name) is not None
    except models.ObjectDoesNotExist:
        return False


def role_of(user) -> Role:
    """The user's role, computed once per request and cached on the user object."""
    if not user or not user.is_authenticated:
        return Role.ANONYMOUS
    cached = getattr(user, "_midi_role", None)
    if cached is None:
        if user.is_staff:
            cached = Role.ADMINISTRATOR
        elif _has_related(user, "managed_directorate"):
            cached = Role.MANAGER
        elif _has_related(user, "advisor"):
            cached = Role.ADVISOR
        elif _has_related(user, "employer_profile"):
            cached = Role.EMPLOYER
        elif _has_related(user, "partner_membership"):  # after employers: their pages count queries
            cached = Role.PARTNER
        else:
            cached = Role.NEW_USER
        user._midi_role = cached
    return cached


def forget_role(user) -> None:
    """Call after a profile link changes within the same request."""
    user.__dict__.pop("_midi_role", None)


def role_required(*roles: Role):
    """View decorator: anonymous users go to the login page, other roles get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def company_of(user):
    """The company an employer represents, or None."""
    if role_of(user) != Role.EMPLOYER:
        return None
    return user.employer_profile.company


def profile_phone(user) -> str:
    """The telephone of an employer's profile (E.164, or an older free-text entry), or ""."""
    if role_of(user) != Role.EMPLOYER:
        return ""
    return user.employer_profile.phone


def directorates_visible_to(user):
    """Directorates whose dashboards and data the user may see."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return RegionalDirectorate.objects.all()
    if role == Role.MANAGER:
        return RegionalDirectorate.objects.filter(pk=user.managed_directorate.pk)
    return RegionalDirectorate.objects.none()


def can_view_directorate(user, directorate) -> bool:
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    return role == Role.MANAGER and user.managed_directorate.pk == directorate.pk
