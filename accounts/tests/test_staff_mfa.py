"""Advisers, managers and administrators must use two-factor authentication (TOTP)."""

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "Un-mot-de-passe-solide-2026"


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.REQUIRE_STAFF_MFA = True


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    user.emailaddress_set.get_or_create(email=user.email, defaults={"verified": True, "primary": True})
    return user


def code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize("person", ["advisor", "manager", "administrator"])
def test_staff_without_an_authenticator_are_sent_to_set_one_up(request, person):
    user = request.getfixturevalue(person)
    client = Client()
    client.force_login(user)
    for url in (reverse("accounts:home"), reverse("appointments:inbox"), reverse("advisors:me")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp"), url
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)  # allauth's own page
    assert client.post(reverse("account_logout")).status_code == 302  # always possible


def test_employers_are_not_asked(client_for, employer_a):
    assert client_for(employer_a).get(reverse("appointments:book")).status_code == 200


def test_with_totp_the_code_is_asked_at_sign_in_and_then_pages_open(advisor):
    with_password(advisor)
    secret = generate_totp_secret()
    TOTP.activate(advisor, secret)
    client = Client()
    response = client.post(reverse("account_login"), {"login": advisor.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("advisors:me")).status_code == 302  # not signed in yet
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200  # wrong code
    response = client.post(reverse("mfa_authenticate"), {"code": code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("advisors:me")).status_code == 200


def test_a_session_that_skipped_the_code_is_signed_out(advisor):
    TOTP.activate(advisor, generate_totp_secret())
    client = Client()
    client.force_login(advisor)  # a session opened without the second factor
    response = client.get(reverse("advisors:me"))
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session


def test_a_request_without_a_session_cookie_loads_no_session_or_user(settings):
    """Probes and first visits: nobody can be signed in, so the check costs nothing."""
    from django.test import RequestFactory

    from accounts.mfa import StaffMFAMiddleware

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"request.user.{name} was read")

    settings.REQUIRE_STAFF_MFA = True
    request = RequestFactory().get("/healthz")
    request.user = Untouchable()
    assert StaffMFAMiddleware(lambda r: None).process_view(request, None, (), {}) is None
