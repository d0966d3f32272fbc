"""Matching the referred company: by NEQ however typed, near-duplicates suggested, never duplicated."""

import pytest

from accounts.models import Company
from referrals import matching, services
from referrals.tests.helpers import company_data, referral_data
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Boulangerie L'Epi d'Or", "Boulangerie l'Épi d'or inc."),
        ("BOULANGERIE L’ÉPI D’OR LTÉE", "Boulangerie l'Épi d'or inc."),
        ("Usinage Pro-Tech S.E.N.C.", "Usinage ProTech"),
        ("Les Serres Sainte-Anne enr.", "Serres Ste-Anne (Les)"),
    ],
)
def test_it_reads_names_the_same_without_accents_case_or_legal_form(typed, stored):
    assert matching.name_key(typed) == matching.name_key(stored)


def test_it_keeps_different_companies_apart():
    assert matching.similarity("Boulangerie l'Épi d'or", "Boucherie du Marché") < matching.SIMILAR


@pytest.mark.parametrize("typed", ["1178456321", "1178 456 321", "1178-456-321", " 1178-456 321 "])
def test_an_neq_typed_with_spaces_or_dashes_finds_the_company(network, typed):
    company = factories.CompanyFactory(neq="1178456321", municipality=network.municipality_a)
    assert matching.find_company(neq=typed).company == company


def test_a_company_spelled_otherwise_is_suggested_not_duplicated(network, partner_a):
    existing = factories.CompanyFactory(
        legal_name="Boulangerie l'Épi d'or inc.", neq="1199999999", municipality=network.municipality_a
    )
    data = referral_data(
        network, company=company_data(network, legal_name="Boulangerie L'Epi d'Or", neq="", sector="")
    )
    with pytest.raises(services.ReferralError) as refused:
        services.refer_company(partner=partner_a, data=data)
    assert refused.value.code == services.CHOOSE_COMPANY
    assert refused.value.suggestions == [existing]
    assert Company.objects.count() == 1
    # The partner picks it: the referral is about that company.
    chosen = referral_data(network, company=company_data(network, chosen=existing))
    assert services.refer_company(partner=partner_a, data=chosen).company == existing
    assert Company.objects.count() == 1


def test_a_near_duplicate_in_another_town_is_not_suggested(network):
    factories.CompanyFactory(legal_name="Boulangerie l'Épi d'or", municipality=network.municipality_b)
    match = matching.find_company(name="Boulangerie L'Epi d'Orge", municipality=network.municipality_a)
    assert match.suggestions == []


def test_the_same_company_referred_by_two_partners_is_one_company(network, partner_a, partner_b):
    first = services.refer_company(partner=partner_a, data=referral_data(network))
    # The second partner types the NEQ with dashes and the name without accents.
    again = company_data(network, legal_name="BOULANGERIE L'EPI D'OR", neq="1178-456-321")
    second = services.refer_company(partner=partner_b, data=referral_data(network, company=again))
    assert first.company == second.company
    assert Company.objects.filter(neq="1178456321").count() == 1
    assert first.company_created and not second.company_created


def test_a_new_company_needs_its_neq_and_address(network, partner_a):
    data = referral_data(network, company=company_data(network, neq="", legal_name="Érablière Dubois"))
    with pytest.raises(services.ReferralError) as refused:
        services.refer_company(partner=partner_a, data=data)
    assert refused.value.code == services.COMPANY_INCOMPLETE
    assert not Company.objects.exists()


def test_confirming_another_company_creates_a_prospect(network, partner_a):
    factories.CompanyFactory(legal_name="Boulangerie l'Épi d'or", municipality=network.municipality_a)
    data = referral_data(network, company=company_data(network, confirm_new=True))
    referral = services.refer_company(partner=partner_a, data=data)
    assert referral.company_created
    assert referral.company.neq == "1178456321"
    assert not referral.company.representatives.exclude(user=referral.contact_user).exists()


def test_a_partner_cannot_pick_a_company_they_were_not_offered(network, partner_a):
    other = factories.CompanyFactory(legal_name="Garage Tremblay", municipality=network.municipality_b)
    data = referral_data(network, company=company_data(network, chosen=other))
    with pytest.raises(services.ReferralError) as refused:
        services.refer_company(partner=partner_a, data=data)
    assert refused.value.code == services.CHOOSE_COMPANY
