"""Reads for accounts."""

from accounts.models import Company, EmployerProfile, User


def has_other_active_representatives(*, company: Company, user: User) -> bool:
    """Whether someone else still represents the company (closing `user` leaves them in charge)."""
    return EmployerProfile.objects.filter(company=company, user__is_active=True).exclude(user=user).exists()
