"""Load companies (NEQ 9000000001…), each with one employer account."""

import random

from accounts.models import Company, EmployerProfile, User
from service_points.models import Municipality

from .common import EMPLOYER_EMAIL, NEQ_PREFIX, LoadReport, bulk, load_user, rng_for

SECTORS = [value for value, _label in Company.Sector.choices]
SIZES = ([value for value, _label in Company.Size.choices], [30, 35, 20, 10, 5])
STREETS = ["rue Principale", "boulevard Industriel", "rue du Moulin", "rue Notre-Dame", "chemin du Lac"]
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


def _company_neq(n: int) -> str:
    return f"{NEQ_PREFIX}{n:09d}"


def ensure_companies(count: int, seed: int, report: LoadReport) -> None:
    """Load companies 1..count (NEQ 9000000001…), each with one employer account."""
    existing = set(Company.objects.filter(neq__startswith=NEQ_PREFIX).values_list("neq", flat=True))
    missing = [n for n in range(1, count + 1) if _company_neq(n) not in existing]
    if not missing:
        return
    municipalities = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
    companies, users = [], []
    for n in missing:
        rng = rng_for(seed, "company", n)
        companies.append(_load_company(n, rng, municipalities))
        users.append(load_user(EMPLOYER_EMAIL.format(n), "Employeur", f"Charge {n}", rng))
    bulk(Company, companies, report, "companies")
    bulk(User, users, report, "users")
    company_ids = dict(Company.objects.filter(neq__in=[c.neq for c in companies]).values_list("neq", "pk"))
    user_ids = dict(User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk"))
    profiles = [
        EmployerProfile(
            user_id=user_ids[EMPLOYER_EMAIL.format(n)],
            company_id=company_ids[_company_neq(n)],
            job_title="Responsable des ressources humaines",
        )
        for n in missing
    ]
    bulk(EmployerProfile, profiles, report, "employer profiles")


def _load_company(n: int, rng: random.Random, municipalities: list[int]) -> Company:
    postal = (
        f"{rng.choice('GHJ')}{rng.randint(0, 9)}{rng.choice(POSTAL_LETTERS[:-2])} "
        f"{rng.randint(0, 9)}{rng.choice(POSTAL_LETTERS)}{rng.randint(0, 9)}"
    )
    return Company(
        neq=_company_neq(n),
        legal_name=f"Entreprise de charge {n} inc.",
        sector=rng.choice(SECTORS),
        size=rng.choices(*SIZES)[0],
        street_address=f"{rng.randint(1, 9999)}, {rng.choice(STREETS)}",
        postal_code=postal,
        municipality_id=rng.choice(municipalities),
    )
