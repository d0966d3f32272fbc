"""The signed-in user is cached between requests; every change that matters is seen at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def user_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q for q in queries if 'FROM "accounts_user"' in q["sql"]]


def test_the_user_is_loaded_once_then_served_from_the_cache(client_for, employer_a):
    client = client_for(employer_a)
    url = reverse("accounts:home")
    first, loaded = user_queries(client, url)
    second, again = user_queries(client, url)
    assert first.status_code == second.status_code == 200
    assert len(loaded) == 1 and again == []


def test_a_deactivated_user_is_signed_out_at_once(client_for, employer_a):
    client = client_for(employer_a)
    url = reverse("appointments:book")
    assert client.get(url).status_code == 200
    employer_a.is_active = False
    employer_a.save()
    assert client.get(url).status_code == 302  # to the login page


def test_a_new_role_applies_on_the_next_request(client_for, employer_a, network):
    client = client_for(employer_a)
    assert client.get(reverse("appointments:book")).status_code == 200
    profile = employer_a.employer_profile
    profile.delete()
    network.directorate_a.manager = employer_a
    network.directorate_a.save()
    assert client.get(reverse("appointments:book")).status_code == 403
    assert client.get(reverse("appointments:inbox")).status_code == 200


def test_a_password_change_signs_other_sessions_out(client_for, employer_a):
    client = client_for(employer_a)
    url = reverse("accounts:home")
    assert client.get(url).status_code == 200
    employer_a.set_password("Un-autre-mot-de-passe-2026")
    employer_a.save()
    assert client.get(url).status_code == 302
