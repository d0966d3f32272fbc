"""The partner's form, the contact's claim link, the manager's figures and CSV."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Company
from consultations.models import ConsultationRequest
from referrals import claims, services
from referrals.models import Referral
from referrals.tests.helpers import company_data, referral_data
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def form(network, **overrides):
    fields = {
        "legal_name": "Boulangerie l'Épi d'or inc.",
        "neq": "1178-456-321",
        "municipality": "Trois-Rivières",
        "sector": "31",
        "size": "5-19",
        "street_address": "125, rue des Forges",
        "postal_code": "G9A 2G8",
        "contact_name": "Mélanie Gervais",
        "contact_email": "m.gervais@epidor.example",
        "contact_phone": "819 555-0142",
        "language": "fr",
        "topic": network.topic.code,
        "mode": "service_point",
        "urgency": "normal",
        "need": "Trois boulangers à recruter.",
        "consent": "on",
        "consent_given_by": "Mélanie Gervais",
        "consent_given_on": "2026-11-20",
        "consent_method": "phone",
        "how": "route",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def test_a_partner_refers_a_company_from_the_page(bookable, partner_a, client_for):
    response = client_for(partner_a).post(reverse("referrals:new"), form(bookable))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", kwargs={"uid": referral.uid})
    assert referral.company.neq == "1178456321"
    assert referral.request.origin == ConsultationRequest.Origin.REFERRAL


def test_the_page_refuses_a_referral_without_consent(bookable, partner_a, client_for):
    response = client_for(partner_a).post(reverse("referrals:new"), form(bookable, consent=None))
    assert response.status_code == 400
    assert not Referral.objects.exists() and not Company.objects.exists()


def test_the_page_suggests_the_near_duplicate(bookable, partner_a, client_for):
    existing = factories.CompanyFactory(
        legal_name="Boulangerie L'Epi d'Or", neq="1199999999", municipality=bookable.municipality_a
    )
    client = client_for(partner_a)
    response = client.post(reverse("referrals:new"), form(bookable, neq=""))
    assert response.status_code == 409
    assert "Boulangerie L&#x27;Epi d&#x27;Or" in response.content.decode()
    response = client.post(reverse("referrals:new"), form(bookable, neq="", chosen_company=existing.pk))
    assert response.status_code == 302
    assert Referral.objects.get().company == existing
    assert Company.objects.count() == 1


def test_the_partner_books_a_time_from_the_page(bookable, partner_a, client_for):
    client = client_for(partner_a)
    first = client.post(reverse("referrals:new"), form(bookable, how="book"))
    assert first.status_code == 200
    slot = first.context["slots"][0][0]
    second = client.post(reverse("referrals:new"), form(bookable, how="book", slot=slot))
    assert second.status_code == 302
    referral = Referral.objects.get()
    assert referral.appointment is not None
    assert referral.appointment.booked_by == referral.contact_user


def test_a_bad_time_is_refused_without_booking(bookable, partner_a, client_for):
    response = client_for(partner_a).post(
        reverse("referrals:new"), form(bookable, how="book", slot="1|1|2026-11-24T15:00:00Z")
    )
    assert response.status_code == 409
    assert not Referral.objects.exists()


def test_the_contact_claims_the_account_and_finds_everything(bookable, partner_a, client_for):
    referral = services.refer_company(partner=partner_a, data=referral_data(bookable))
    invitation = next(m for m in mail.outbox if m.to == ["m.gervais@epidor.example"])
    link = next(word for word in invitation.body.split() if "/recommandations/compte/" in word)
    client = client_for(None)
    page = client.get(link)
    assert page.status_code == 200
    response = client.post(link, {"password1": "Boulangers-2026!", "password2": "Boulangers-2026!"})
    assert response.status_code == 302
    user = referral.contact_user
    user.refresh_from_db()
    assert user.check_password("Boulangers-2026!")
    requests = client.get(reverse("appointments:requests")).content.decode()
    assert "Immigration temporaire" in requests
    # The link works once.
    assert client_for(None).get(link).status_code == 400


def test_a_forged_claim_link_is_refused(bookable, partner_a, client_for):
    referral = services.refer_company(partner=partner_a, data=referral_data(bookable))
    token = claims.claim_token(referral.contact_user)
    assert client_for(None).get(reverse("referrals:claim", kwargs={"token": token + "x"})).status_code == 400
    assert client_for(None).get(reverse("referrals:claim", kwargs={"token": "[]"})).status_code == 400


def test_the_managers_figures_and_csv(bookable, partner_a, partner_b, manager, other_manager, client_for):
    services.refer_company(partner=partner_a, data=referral_data(bookable))
    page = client_for(manager).get(reverse("referrals:dashboard"))
    assert page.status_code == 200
    assert "Bureau de Services Québec de Trois-Rivières" in page.content.decode()
    other = client_for(other_manager).get(reverse("referrals:dashboard")).content.decode()
    assert "Bureau de Services Québec de Trois-Rivières" not in other  # not their directorate
    csv = client_for(manager).get(reverse("referrals:export")).content.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("Organisme partenaire;Bureau;Recommandations")
    assert csv[1].startswith("Services Québec;Bureau de Services Québec de Trois-Rivières;1;0;0;0")


def test_my_referrals_costs_the_same_queries_for_one_or_five(bookable, partner_a, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(partner_a)
    services.refer_company(partner=partner_a, data=referral_data(bookable))
    client.get(reverse("referrals:list"))  # the session and user, cached once
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("referrals:list")).status_code == 200
    for n in range(4):
        company = factories.CompanyFactory(municipality=bookable.municipality_a)
        data = referral_data(
            bookable, company=company_data(bookable, neq=company.neq), contact_email=f"contact{n}@example.org"
        )
        services.refer_company(partner=partner_a, data=data)
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("referrals:list")).status_code == 200
    assert len(five) == len(one)
