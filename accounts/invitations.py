"""Colleagues of one company: a representative invites a colleague by email, the colleague accepts.

Several representatives of one company (same NEQ) share its appointments and its booking
limits: appointments, requests and limits belong to the `Company`, and every representative has
an `EmployerProfile` pointing to it. The first representative creates the company with the
profile form; the others join through an invitation:

- `invite` (a representative of the company): one pending invitation per address and company,
  sending it again refreshes it (same link, new 14-day expiry, new email); an address that
  already represents a company is refused. The email leaves after the commit, in the inviter's
  language (we know nothing of the invitee's yet).
- `accept` (the invitee, signed in with that verified address and no employer profile yet):
  an EmployerProfile for the company; from then on the person is an employer of it.
- `revoke` (a representative): the link stops working at once.

The company row is locked by each write, so two colleagues inviting the same address at once
leave one invitation, and an invitation cannot be accepted while it is being revoked.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.access import Role, forget_role, role_of
from accounts.models import Company, CompanyInvitation, EmployerProfile, User
from core.collation import name_order
from core.emails import build_email
from core.errors import ServiceError
from core.queue import enqueue

VALID_DAYS = 14
MAX_PENDING = 20  # pending invitations per company: a bound on what one account can send out

# Why an invitation cannot be sent or accepted (InvitationError.code).
NOT_REPRESENTATIVE = "not_representative"  # the inviter does not represent the company
ALREADY_REPRESENTS = "already_represents"  # the address already represents a company
TOO_MANY = "too_many"  # MAX_PENDING reached
UNKNOWN = "unknown"  # no invitation has this token (404)
EXPIRED = "expired"  # 410
REVOKED = "revoked"  # 410
USED = "used"  # accepted already (410)
WRONG_ACCOUNT = "wrong_account"  # signed in with another address (403)
UNVERIFIED = "unverified"  # the address is not verified yet (403)
HAS_ROLE = "has_role"  # the account already represents a company, or is a staff account (403)


class InvitationError(ServiceError):
    """The invitation cannot be sent or accepted; `code` says why."""

    messages = {
        ALREADY_REPRESENTS: gettext_lazy(
            "This address already represents a company on the service. A person represents one "
            "company only; they can close that account first, or contact us."
        ),
        TOO_MANY: gettext_lazy(
            "Your company has too many pending invitations. Revoke some, or wait until they are "
            "accepted or expire."
        ),
        UNKNOWN: gettext_lazy(
            "This invitation link is not valid. The link may have been cut: copy the whole link "
            "from the email."
        ),
        EXPIRED: gettext_lazy(
            "This invitation has expired. Ask your colleague to send it again from their space."
        ),
        REVOKED: gettext_lazy(
            "This invitation was withdrawn. Ask your colleague if you should be invited again."
        ),
        USED: gettext_lazy("This invitation has already been accepted."),
        WRONG_ACCOUNT: gettext_lazy(
            "This invitation was sent to another email address. Sign out, then sign in or create "
            "an account with the invited address."
        ),
        HAS_ROLE: gettext_lazy(
            "Your account already represents a company or is a ministry staff account, so it cannot "
            "accept this invitation."
        ),
        UNVERIFIED: gettext_lazy(
            "Confirm your email address first, with the link we sent you, then open this invitation again."
        ),
    }
    statuses = {
        UNKNOWN: 404,
        EXPIRED: 410,
        REVOKED: 410,
        USED: 410,
        WRONG_ACCOUNT: 403,
        HAS_ROLE: 403,
        UNVERIFIED: 403,
    }


def normalize_email(email: str) -> str:
    # Accounts store their address in lower case (accounts.models.UserManager): compare the same.
    return email.strip().lower()


def is_pending(invitation: CompanyInvitation, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return invitation.accepted_at is None and invitation.revoked_at is None and invitation.expires_at > now


def _represents(user, company: Company) -> bool:
    return role_of(user) == Role.EMPLOYER and user.employer_profile.company_id == company.pk


def _lock(company: Company) -> None:
    Company.objects.select_for_update().filter(pk=company.pk).first()


# --- Writes --------------------------------------------------------------------------------------


def invite(*, company: Company, by: User, email: str, now: datetime | None = None) -> CompanyInvitation:
    """Invite `email` to represent `company` (or refresh its pending invitation) and email the link
    after the commit. Raises InvitationError (NOT_REPRESENTATIVE, ALREADY_REPRESENTS, TOO_MANY)."""
    now = now or timezone.now()
    email = normalize_email(email)
    if not _represents(by, company):
        raise InvitationError(NOT_REPRESENTATIVE)
    with transaction.atomic():
        _lock(company)
        if EmployerProfile.objects.filter(user__email__iexact=email).exists():
            raise InvitationError(ALREADY_REPRESENTS)
        unanswered = CompanyInvitation.objects.filter(company=company, accepted_at=None, revoked_at=None)
        invitation = unanswered.filter(email__iexact=email).order_by("-created_at").first()
        expires_at = now + timedelta(days=VALID_DAYS)
        if invitation is None:
            if unanswered.filter(expires_at__gt=now).count() >= MAX_PENDING:
                raise InvitationError(TOO_MANY)
            invitation = CompanyInvitation.objects.create(
                company=company,
                email=email,
                token=secrets.token_urlsafe(32),
                invited_by=by,
                expires_at=expires_at,
            )
        else:
            # Sending again: the same link, valid 14 days from now, from whoever sent it again.
            invitation.expires_at = expires_at
            invitation.invited_by = by
            invitation.save(update_fields=["expires_at", "invited_by"])
        enqueue("accounts.send_invitation_email", invitation.pk)
    return invitation


def revoke(*, invitation: CompanyInvitation, by: User, now: datetime | None = None) -> bool:
    """Withdraw a pending invitation; False if it was no longer pending. Raises
    InvitationError(NOT_REPRESENTATIVE) if `by` does not represent the company."""
    now = now or timezone.now()
    if not _represents(by, invitation.company):
        raise InvitationError(NOT_REPRESENTATIVE)
    with transaction.atomic():
        _lock(invitation.company)
        return bool(
            CompanyInvitation.objects.filter(
                pk=invitation.pk, accepted_at=None, revoked_at=None, expires_at__gt=now
            ).update(revoked_at=now)
        )


def link_problem(invitation: CompanyInvitation | None, now: datetime | None = None) -> str | None:
    """Why the link is dead for anyone (UNKNOWN, REVOKED, USED, EXPIRED), or None."""
    if invitation is None:
        return UNKNOWN
    if invitation.revoked_at is not None:
        return REVOKED
    if invitation.accepted_at is not None:
        return USED
    if invitation.expires_at <= (now or timezone.now()):
        return EXPIRED
    return None


def acceptance_problem(invitation: CompanyInvitation | None, user, now: datetime | None = None) -> str | None:
    """Why the signed-in `user` cannot accept `invitation` (an InvitationError code), or None."""
    if problem := link_problem(invitation, now):
        return problem
    if normalize_email(user.email) != normalize_email(invitation.email):
        return WRONG_ACCOUNT
    if role_of(user) != Role.NEW_USER:
        return HAS_ROLE
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        return UNVERIFIED
    return None


def accept(
    *, token: str, user: User, first_name: str = "", last_name: str = "", now: datetime | None = None
) -> EmployerProfile:
    """The invitee becomes a representative of the company: an EmployerProfile, the invitation
    marked accepted. Names given replace the account's (the profile form asks for them too).
    Raises InvitationError with the reason from `acceptance_problem`."""
    now = now or timezone.now()
    invitation = find(token)
    if invitation is None:
        raise InvitationError(UNKNOWN)
    with transaction.atomic():
        _lock(invitation.company)  # the lock order of every company write: company, then the rest
        invitation = CompanyInvitation.objects.select_related("company").get(pk=invitation.pk)
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        # Another tab may have made this account an employer meanwhile: read its role afresh.
        forget_role(locked_user)
        problem = acceptance_problem(invitation, locked_user, now)
        if problem:
            raise InvitationError(problem)
        names = {"first_name": first_name.strip(), "last_name": last_name.strip()}
        changed = [field for field, value in names.items() if value and getattr(locked_user, field) != value]
        for field in changed:
            setattr(locked_user, field, names[field])
        if changed:
            locked_user.save(update_fields=changed)
        profile = EmployerProfile.objects.create(user=locked_user, company=invitation.company)
        invitation.accepted_at = now
        invitation.accepted_by = locked_user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    for field in ("first_name", "last_name"):
        setattr(user, field, getattr(locked_user, field))
    forget_role(user)
    return profile


# --- Reads ---------------------------------------------------------------------------------------


def find(token: str) -> CompanyInvitation | None:
    """The invitation of an emailed link, with its company and inviter: 1 query."""
    if not token or len(token) > 64:
        return None
    return CompanyInvitation.objects.select_related("company", "invited_by").filter(token=token).first()


@dataclass(frozen=True)
class Colleagues:
    """The company's representatives and the invitations not answered yet (expired ones too:
    they can be sent again)."""

    representatives: list[EmployerProfile]
    invitations: list[CompanyInvitation]


def colleagues(company: Company, *, now: datetime | None = None) -> Colleagues:
    """For the employer's home page: 2 queries."""
    now = now or timezone.now()
    representatives = list(
        EmployerProfile.objects.filter(company=company, user__is_active=True)
        .select_related("user")
        .order_by(*name_order("user"))
    )
    invitations = list(
        CompanyInvitation.objects.filter(company=company, accepted_at=None, revoked_at=None)
        .select_related("invited_by")
        .order_by("email", "-created_at")
    )
    for invitation in invitations:
        invitation.expired = invitation.expires_at <= now
    return Colleagues(representatives, invitations)


def pending_for(user: User, *, now: datetime | None = None) -> list[CompanyInvitation]:
    """Pending invitations sent to the user's address (shown to a new user on the profile page)."""
    now = now or timezone.now()
    return list(
        CompanyInvitation.objects.filter(
            email__iexact=user.email, accepted_at=None, revoked_at=None, expires_at__gt=now
        )
        .select_related("company")
        .order_by("-created_at")
    )


# --- Email ---------------------------------------------------------------------------------------


def invitation_language(invitation: CompanyInvitation) -> str:
    """The inviter's language (the invitee's is unknown until they sign up), else French."""
    inviter = invitation.invited_by
    return inviter.language if inviter and inviter.language else settings.LANGUAGE_CODE


def accept_url(invitation: CompanyInvitation, *, language: str) -> str:
    with translation.override(language):
        path = reverse("accounts:accept_invitation", kwargs={"token": invitation.token})
    return f"{settings.SITE_URL}{path}"


def send_invitation_email(*, invitation_id: int) -> int:
    """Send the invitation's email; 0 when it is no longer pending (accepted or revoked since)."""
    invitation = (
        CompanyInvitation.objects.select_related("company", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not is_pending(invitation):
        return 0
    language = invitation_language(invitation)
    with translation.override(language):
        context = {
            "invitation": invitation,
            "company": invitation.company,
            "inviter": invitation.invited_by,
            "language": language,
            "link": accept_url(invitation, language=language),
            "site_url": settings.SITE_URL,
        }
        build_email("invitation", context, to=[invitation.email], folder="accounts/email/").send()
    return 1
