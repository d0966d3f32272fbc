"""Reads of referrals: a partner's own, the lines the adviser reads, the manager's figures."""

from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import Role, directorates_visible_to, role_of
from referrals.models import Referral


def referrals_of(partner) -> QuerySet[Referral]:
    """The referrals this partner made, newest first (the only ones they may see): 1 query."""
    return (
        Referral.objects.filter(partner=partner)
        .select_related("company", "topic", "organisation", "office")
        .order_by("-created_at")
    )


def referral_for_partner(partner, uid) -> Referral | None:
    return referrals_of(partner).filter(uid=uid).first()


def referral_lines(request) -> list[tuple[str, str]]:
    """What the adviser reads about the referrals of a request (consultations.provenance): 1 query."""
    lines = []
    for referral in Referral.objects.filter(request=request).select_related(
        "partner", "organisation", "office"
    ):
        office = f", {referral.office.name}" if referral.office else ""
        partner = referral.partner.get_full_name() or referral.partner.email
        lines.append(
            (
                _("Referred by"),
                # The need is the request's message, shown above it.
                f"{partner} ({referral.organisation.name}{office}) – {referral.partner.email}\n"
                + _("Urgency: %(urgency)s") % {"urgency": referral.get_urgency_display()},
            )
        )
    return lines


def referrals_visible_to(user) -> QuerySet[Referral]:
    """Referrals a manager (their directorate's, by the company's place) or administrator may count."""
    role = role_of(user)
    referrals = Referral.objects.all()
    if role == Role.ADMINISTRATOR:
        return referrals
    if role == Role.MANAGER:
        ids = list(directorates_visible_to(user).values_list("pk", flat=True))
        return referrals.filter(Q(municipality__region__directorate_id__in=ids))
    return referrals.none()


def _days(delta: timedelta) -> float:
    # A time booked by the partner is a contact made as the referral is saved (a few ms before).
    return max(0.0, round(delta.total_seconds() / 86400, 1))


@dataclass
class Row:
    """One organisation and office: counts, median days to first contact and meeting, outcomes."""

    organisation: str
    office: str
    referred: int = 0
    contacted: int = 0
    meetings: int = 0
    closed: int = 0
    to_contact: list = field(default_factory=list)
    to_meeting: list = field(default_factory=list)

    @property
    def median_days_to_contact(self) -> float | None:
        return median(self.to_contact) if self.to_contact else None

    @property
    def median_days_to_meeting(self) -> float | None:
        return median(self.to_meeting) if self.to_meeting else None


def figures_by_office(user, *, since=None) -> list[Row]:
    """Referrals by partner organisation and office for the manager's dashboard and CSV: 1 query."""
    referrals = referrals_visible_to(user)
    if since is not None:
        referrals = referrals.filter(created_at__gte=since)
    rows: dict[tuple, Row] = {}
    values = referrals.values_list(
        "organisation__name", "office__name", "status", "created_at", "contacted_at", "meeting_held_at"
    ).order_by("organisation__name", "office__name")
    for org, office, status, created, contacted, met in values:
        row = rows.setdefault((org, office or ""), Row(org, office or ""))
        row.referred += 1
        if contacted:
            row.contacted += 1
            row.to_contact.append(_days(contacted - created))
        if met:
            row.meetings += 1
            row.to_meeting.append(_days(met - created))
        if status == Referral.Status.CLOSED:
            row.closed += 1
    return list(rows.values())
