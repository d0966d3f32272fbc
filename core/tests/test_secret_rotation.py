"""Rotating SECRET_KEY: with the previous key in SECRET_KEY_FALLBACKS, what it signed (sessions,
password-reset links, the emailed links to manage an appointment) keeps working until the
fallback is removed."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from appointments import links
from tests.booking_helpers import book
from tests.test_deploy_check import PRODUCTION, ROOT, run_check

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

OLD = "old-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-ABCDEFGH"
NEW = "new-key-9876543210-zyxwvutsrqponmlkjihgfedcba-9876543210-HGFEDCBA"


@pytest.fixture
def appointment(bookable, employer_a):

    return book(bookable, employer_a)


def test_an_emailed_link_signed_with_the_previous_key_still_opens(settings, client, appointment):
    settings.SECRET_KEY = OLD
    token = links.manage_token(appointment)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, [OLD]
    assert links.appointment_for_token(token) == appointment
    assert client.get(reverse("appointments:manage", args=[token])).status_code == 200


def test_once_the_fallback_is_removed_the_old_links_are_refused(settings, appointment):
    settings.SECRET_KEY = OLD
    token = links.manage_token(appointment)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, []
    assert links.appointment_for_token(token) is None


def test_a_session_signed_in_before_the_rotation_stays_signed_in(settings, client, employer_a):
    settings.SECRET_KEY = OLD
    client.force_login(employer_a)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW, [OLD]
    assert client.get(reverse("appointments:list")).status_code == 200


def test_the_fallbacks_come_from_the_environment_and_pass_the_deploy_check():
    env = {**os.environ, **PRODUCTION, "SECRET_KEY_FALLBACKS": f"{OLD}1,{OLD}2"}
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert shown.stdout.strip().splitlines()[-1] == repr([f"{OLD}1", f"{OLD}2"]), shown.stderr
    result = run_check({**PRODUCTION, "SECRET_KEY_FALLBACKS": f"{OLD}1,{OLD}2"})
    assert result.returncode == 0, result.stdout + result.stderr
