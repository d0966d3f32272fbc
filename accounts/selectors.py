"""Reads for accounts."""

from accounts.access import role_of
from accounts.models import Company, EmployerProfile, User


def has_other_active_representatives(*, company: Company, user: User) -> bool:
    """Whether someone else still represents the company (closing `user` leaves them in charge)."""
    return EmployerProfile.objects.filter(company=company, user__is_active=True).exclude(user=user).exists()


# What accounts.access.role_of reads of a user: select_related("actor", *role_joins("actor")) names
# the role of each row's actor without a query per row.
ROLE_RELATIONS = ("advisor", "managed_directorate", "employer_profile", "partner_membership")


def role_joins(field: str) -> list[str]:
    """The select_related paths that let role_of(row.<field>) run without a query."""
    return [f"{field}__{name}" for name in ROLE_RELATIONS]


def acting_person(user: User) -> dict:
    """A person who acted, as an audit trail shows them: {"name", "detail"} (their role)."""
    return {"name": user.get_full_name() or user.email, "detail": role_of(user).label}
