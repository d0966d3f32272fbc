"""The API: a partner's systems create referrals and follow them with a personal token."""

import pytest
from django.urls import reverse

from accounts.models import Company
from referrals.models import Referral
from tests import factories
from tests.clients import bearer, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def body(network, **company):
    return {
        "company": {
            "legal_name": "Boulangerie l'Épi d'or inc.",
            "municipality": int(network.municipality_a.code),
            "neq": "1178 456 321",
            "sector": "31",
            "size": "5-19",
            "street_address": "125, rue des Forges",
            "postal_code": "G9A 2G8",
            **company,
        },
        "contact_name": "Mélanie Gervais",
        "contact_email": "m.gervais@epidor.example",
        "topic": network.topic.code,
        "mode": "phone",
        "contact_phone": "819 555-0142",
        "need": "Trois boulangers.",
        "consent": {
            "given_by": "Mélanie Gervais",
            "given_at": "2026-11-20T10:00:00-05:00",
            "method": "phone",
        },
    }


def test_a_partner_creates_and_follows_a_referral_with_a_token(bookable, partner_a):
    client = bearer(partner_a)
    created = post(client, reverse("api:referral-list"), body(bookable))
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "received" and data["neq"] == "1178456321"
    listing = client.get(reverse("api:referral-list")).json()
    assert [r["uid"] for r in listing] == [data["uid"]]
    assert client.get(reverse("api:referral-detail", kwargs={"uid": data["uid"]})).status_code == 200


def test_the_api_refuses_a_referral_without_consent(bookable, partner_a):
    without = body(bookable)
    del without["consent"]
    response = post(bearer(partner_a), reverse("api:referral-list"), without)
    assert response.status_code == 400
    assert not Referral.objects.exists() and not Company.objects.exists()


def test_the_api_answers_near_duplicates_with_suggestions(bookable, partner_a):
    factories.CompanyFactory(
        legal_name="Boulangerie L'Epi d'Or", neq="1199999999", municipality=bookable.municipality_a
    )
    response = post(bearer(partner_a), reverse("api:referral-list"), body(bookable, neq=""))
    assert response.status_code == 409
    assert response.json()["code"] == "choose_company"
    assert response.json()["suggestions"] == [{"legal_name": "Boulangerie L'Epi d'Or", "neq": "1199999999"}]


def test_others_cannot_use_the_referrals_api(bookable, partner_a, partner_b, employer_a):
    created = post(bearer(partner_a), reverse("api:referral-list"), body(bookable)).json()
    detail = reverse("api:referral-detail", kwargs={"uid": created["uid"]})
    assert bearer(partner_b).get(detail).status_code == 404
    assert post(bearer(employer_a), reverse("api:referral-list"), body(bookable)).status_code == 403


def test_the_referrals_api_is_in_the_schema(client):
    schema = client.get(reverse("api:schema") + "?format=json").content.decode()
    assert "/api/v1/referrals/" in schema
