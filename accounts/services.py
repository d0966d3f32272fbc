"""Writes for accounts: one transaction each."""

from django.db import transaction

from accounts.access import forget_role
from accounts.models import Company, CsvSeparator, EmployerProfile, User


@transaction.atomic
def save_employer_profile(*, user: User, data: dict) -> EmployerProfile:
    """Create or update the employer's profile and company from a cleaned CompanyProfileForm."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.first_name = data["first_name"]
    user.last_name = data["last_name"]
    user.language = data["language"]
    user.save(update_fields=["first_name", "last_name", "language"])

    company_fields = {
        "legal_name": data["legal_name"],
        "neq": data["neq"],
        "sector": data["sector"],
        "size": data["size"],
        "street_address": data["street_address"],
        "postal_code": data["postal_code"],
        "municipality": data["municipality"],
    }
    profile = EmployerProfile.objects.select_related("company").filter(user=user).first()
    if profile is None:
        company = Company.objects.create(**company_fields)
        profile = EmployerProfile.objects.create(
            user=user, company=company, job_title=data["job_title"], phone=data["phone"]
        )
    else:
        company = profile.company
        for name, value in company_fields.items():
            setattr(company, name, value)
        company.full_clean()
        company.save()
        profile.job_title = data["job_title"]
        profile.phone = data["phone"]
        profile.save(update_fields=["job_title", "phone"])
    forget_role(user)
    return profile


@transaction.atomic
def save_staff_profile(*, user: User, data: dict) -> User:
    """Save a staff member's names, language and grammatical gender from a cleaned StaffProfileForm."""
    user = User.objects.select_for_update().get(pk=user.pk)
    fields = ["first_name", "last_name", "language", "grammatical_gender"]
    for name in fields:
        setattr(user, name, data[name])
    user.save(update_fields=fields)
    return user


def remember_csv_separator(*, user: User, separator: CsvSeparator) -> None:
    """Keep the separator a manager chose for CSV exports, for the next ones (a no-op if unchanged)."""
    if user.csv_separator != separator:
        user.csv_separator = separator
        user.save(update_fields=["csv_separator"])  # the signed-in user cache forgets it (post_save)
