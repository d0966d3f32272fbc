"""Rate limits: booking and request creation per user and per IP (ours), sign-in (allauth's).
Over the limit: 429 with Retry-After, a page that says when to try again, nothing written."""

import pytest
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from core import ratelimit
from tests.booking_helpers import book_via_web, tuesday
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


OFFICE = "203.0.113.7"  # one address the employers below sign in from: the per-IP limits count by it


def test_bookings_per_user_are_limited_and_the_429_writes_nothing(settings, bookable, employer_a):
    settings.RATE_LIMITS = {"booking": {"user": "2/h"}}
    client = signed_in(employer_a, REMOTE_ADDR=OFFICE)
    assert book_via_web(client, bookable, tuesday(10, 30)).status_code == 302
    assert book_via_web(client, bookable, tuesday(13)).status_code == 302
    third = book_via_web(client, bookable, tuesday(14))
    assert third.status_code == 429
    assert 0 < int(third["Retry-After"]) <= 3600
    assert "Trop de tentatives" in third.content.decode()
    assert Appointment.objects.count() == 2
    # Reading pages is not limited.
    assert client.get(reverse("appointments:list")).status_code == 200


def test_requests_per_ip_are_limited_across_accounts(settings, bookable, employer_a, employer_b):
    settings.RATE_LIMITS = {"request": {"user": "10/h", "ip": "1/h"}}
    data = {
        "topic": bookable.topic.code,
        "mode": Mode.SERVICE_POINT,
        "municipality": "Trois-Rivières",
        "language": "fr",
        "preferred_time": "any",
        "message": "Recrutement à l'étranger",
    }
    url = reverse("appointments:request_new")
    assert signed_in(employer_a, REMOTE_ADDR=OFFICE).post(url, data).status_code == 302
    assert signed_in(employer_b, REMOTE_ADDR=OFFICE).post(url, data).status_code == 429  # same address
    assert signed_in(employer_b, REMOTE_ADDR="198.51.100.9").post(url, data).status_code == 302
    assert ConsultationRequest.objects.count() == 2


def test_failed_sign_ins_are_limited_by_allauth(new_user):
    new_user.set_password("Le-bon-mot-de-passe-2026")
    new_user.save()
    client = Client()
    url = reverse("account_login")
    for n in range(5):
        assert client.post(url, {"login": new_user.email, "password": f"mauvais-{n}"}).status_code == 200
    # Even the right password is refused for a while after five failures on this account.
    blocked = client.post(url, {"login": new_user.email, "password": "Le-bon-mot-de-passe-2026"})
    assert blocked.status_code == 200 and "_auth_user_id" not in client.session
    assert "tentatives" in blocked.content.decode()
    # Another account from the same place is not blocked by this one's failures.
    other = type(new_user).objects.create_user(
        email="autre@entreprise.example", password="Autre-mot-de-passe-2026"
    )
    other.emailaddress_set.create(email=other.email, verified=True, primary=True)
    assert client.post(url, {"login": other.email, "password": "Autre-mot-de-passe-2026"}).status_code == 302


def test_the_window_resets(settings):
    assert ratelimit.hit("t", "k", "1/m", now=120.0) is None
    assert ratelimit.hit("t", "k", "1/m", now=150.0) == 30
    assert ratelimit.hit("t", "k", "1/m", now=180.0) is None  # a new minute


@pytest.mark.parametrize(
    "action, url_name, data",
    [
        ("signup", "account_signup", {"email": "x@example.com", "password1": "a", "password2": "b"}),
        ("reset_password", "account_reset_password", {"email": "quelquun@entreprise.example"}),
    ],
)
def test_sign_up_and_password_reset_are_limited_by_allauth(settings, db, action, url_name, data, mailoutbox):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, action: "2/m/ip"}
    client = Client(REMOTE_ADDR="203.0.113.8")
    url = reverse(url_name)
    statuses = [client.post(url, data).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    assert "Trop de tentatives" in client.post(url, data).content.decode()
    # Another address is not limited by this one's attempts.
    assert Client(REMOTE_ADDR="198.51.100.10").post(url, data).status_code != 429
