"""What the accessibility statement says about signing in holds (WCAG 2.2 3.3.8, accessible
authentication; 1.3.5, input purpose): every field says what it expects, so a password manager and
the phone's one-time-code suggestion fill it; nothing blocks pasting; no CAPTCHA."""

import re
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.forms import CompanyProfileForm

pytestmark = pytest.mark.django_db

PASSWORD = "Un-mot-de-passe-solide-2026"
# Attributes and scripts that take pasting or autofill away.
BLOCKERS = re.compile(r"onpaste|oncopy|oncut|ondrop|autocomplete=\"off\"[^>]*type=\"password\"|captcha", re.I)


def inputs(response) -> dict[str, str]:
    """name → the <input> tag, for the visible inputs of the page."""
    tags = re.findall(r"<input[^>]*>", re.sub(r"\s+", " ", response.content.decode()))
    return {
        re.search(r'name="([^"]+)"', tag).group(1): tag
        for tag in tags
        if 'type="hidden"' not in tag and 'name="' in tag
    }


def staff_with_password(user):
    user.set_password(PASSWORD)
    user.save()
    user.emailaddress_set.get_or_create(email=user.email, defaults={"verified": True, "primary": True})
    return user


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("account_login", {"login": "email", "password": "current-password"}),
        ("account_signup", {"email": "email", "password1": "new-password", "password2": "new-password"}),
        ("account_reset_password", {"email": "email"}),
    ],
)
def test_sign_in_fields_say_what_they_expect_and_nothing_blocks_pasting(client, url_name, expected):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    fields = inputs(response)
    for name, purpose in expected.items():
        assert f'autocomplete="{purpose}"' in fields[name], fields[name]
    assert not BLOCKERS.search(response.content.decode())


def test_the_second_factor_code_is_a_one_time_code_that_can_be_pasted(advisor, settings):
    settings.REQUIRE_STAFF_MFA = True
    staff_with_password(advisor)
    TOTP.activate(advisor, generate_totp_secret())
    client = Client()
    client.post(reverse("account_login"), {"login": advisor.email, "password": PASSWORD})
    response = client.get(reverse("mfa_authenticate"))

    assert response.status_code == 200
    assert 'autocomplete="one-time-code"' in inputs(response)["code"]
    assert not BLOCKERS.search(response.content.decode())


def test_confirming_the_password_again_lets_a_password_manager_fill_it(advisor):
    staff_with_password(advisor)
    client = Client()
    client.post(reverse("account_login"), {"login": advisor.email, "password": PASSWORD})
    response = client.get(reverse("account_reauthenticate"))
    assert 'autocomplete="current-password"' in inputs(response)["password"]


def test_no_script_of_ours_listens_to_pasting_and_no_captcha_is_installed():
    scripts = sorted(Path(settings.BASE_DIR, "static", "js").glob("*.js"))
    assert scripts
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"[\"']paste[\"']|onpaste|clipboard", source, re.I), script.name
    assert not [app for app in settings.INSTALLED_APPS if "captcha" in app.lower()]


def test_the_company_profile_fields_carry_their_purpose(employer_a):
    form = CompanyProfileForm(user=employer_a)
    purposes = {name: field.widget.attrs.get("autocomplete") for name, field in form.fields.items()}
    expected = {
        "first_name": "given-name",
        "last_name": "family-name",
        "job_title": "organization-title",
        "phone": "tel",
        "legal_name": "organization",
        "street_address": "street-address",
        "postal_code": "postal-code",
    }
    assert {name: purposes[name] for name in expected} == expected


@pytest.mark.usefixtures("frozen_now")
def test_the_number_to_call_is_the_employers_own_telephone(client_for, employer_a, bookable):
    from tests.booking_helpers import confirm_url, tuesday

    url, params = confirm_url(bookable, bookable.advisor_a, tuesday(10, 30), mode="phone")
    response = client_for(employer_a).get(url, params)
    assert response.status_code == 200
    assert 'autocomplete="tel"' in inputs(response)["phone"]
