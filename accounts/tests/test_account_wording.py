"""allauth's pages, messages and emails read as the rest of the site, in Québec French and English.

allauth's own French is France French ("e-mail", "Connexion", "oublié ?") and its emails name
"example.com" and the host the request came in by. Ours: templates/account/ and templates/mfa/,
the labels of accounts.auth_forms, the messages of accounts.adapter, links to settings.SITE_URL.
"""

import re
import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from core.organisation import organisation_name
from tests.inputs import PASSWORD
from tests.test_emails import problems_of

pytestmark = pytest.mark.django_db
PUBLIC = "https://rendez-vous.example.gouv.qc.ca"
LINK = re.compile(r"https?://[^\s\"<>]+")


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.SITE_URL = PUBLIC


def url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def page(client, name: str, language: str) -> str:
    response = client.get(url(name, language))
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def recently_authenticated(client, user):
    """The password was just typed: pages behind a recent authentication show at once."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


# --- Pages ----------------------------------------------------------------------------------


def test_the_sign_in_page_reads_as_quebec_french(client):
    html = page(client, "account_login", "fr-ca")
    assert "Ouvrir une session" in html
    # Our catalogue wins over allauth's "Mot de passe oublié ?" (LOCALE_PATHS come before apps).
    assert "Mot de passe oublié?" in html
    assert "Garder ma session ouverte" in html
    for france_french in ("e-mail", "Connexion", "au préalable", "oublié ?", "Se souvenir"):
        assert france_french not in html, france_french


def test_the_sign_in_page_reads_as_canadian_english(client):
    html = page(client, "account_login", "en")
    assert "Forgot your password?" in html
    assert "Keep me logged in on this device" in html
    assert "Remember Me" not in html and "Sign In" not in html


def test_a_wrong_password_is_refused_in_our_words(client, employer_a):
    for language, words in (
        ("fr-ca", "L’adresse courriel ou le mot de passe est inexact."),
        ("en", "The email address or the password is wrong."),
    ):
        response = client.post(
            url("account_login", language), {"login": employer_a.email, "password": "nope"}
        )
        assert response.status_code == 200
        assert words in response.content.decode()


@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_signed_in_account_pages_use_our_words(client_for, employer_a, language):
    client = client_for(employer_a)
    recently_authenticated(client, employer_a)
    expected = {
        "fr-ca": {
            "account_email": "Adresse principale",
            "account_change_password": "Nouveau mot de passe (confirmation)",
            "account_logout": "Voulez-vous fermer la session?",
            "mfa_index": "Application d’authentification",
            "mfa_activate_totp": "Configurer une application d’authentification",
            "account_reauthenticate": "Confirmez votre identité",
        },
        "en": {
            "account_email": "Main address",
            "account_change_password": "New password (again)",
            "account_logout": "Do you want to log out?",
            "mfa_index": "Authenticator app",
            "mfa_activate_totp": "Set up an authenticator app",
            "account_reauthenticate": "Confirm it is you",
        },
    }[language]
    for name, words in expected.items():
        html = page(client, name, language)
        assert words in html, name
        if language == "fr-ca":
            assert "e-mail" not in html.lower(), name


# --- Emails -----------------------------------------------------------------------------------


def sent_in(language: str, send) -> list:
    mail.outbox.clear()
    send(language)
    assert mail.outbox, "no email sent"
    return list(mail.outbox)


def signup(client, language, email="nouvelle@entreprise.example"):
    response = client.post(
        url("account_signup", language), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302


EMAILS = {
    # name: (how it is sent, words of its French subject, words of its English subject)
    "signup confirmation": (lambda c, u, lang: signup(c, lang), "Confirmez", "Confirm your email"),
    "password reset": (
        lambda c, u, lang: c.post(url("account_reset_password", lang), {"email": u.email}),
        "nouveau mot de passe",
        "new password",
    ),
    "reset asked for an unknown address": (
        lambda c, u, lang: c.post(url("account_reset_password", lang), {"email": "inconnue@example.org"}),
        "Aucun compte",
        "No account",
    ),
    "sign-up with an address already used": (
        lambda c, u, lang: signup(c, lang, email=u.email),
        "déjà un compte",
        "already have an account",
    ),
}


@pytest.mark.parametrize("language", ["fr-ca", "en"])
@pytest.mark.parametrize("name", EMAILS)
def test_allauth_emails_read_right_with_public_links(client, employer_a, language, name):
    send, french_subject, english_subject = EMAILS[name]
    # The account's own language decides, not the page's: follow the page for a new address.
    employer_a.language = language
    employer_a.save(update_fields=["language"])
    (message,) = sent_in(language, lambda lang: send(client, employer_a, lang))
    assert (french_subject if language == "fr-ca" else english_subject) in message.subject
    assert problems_of(message, language) == []
    html = message.alternatives[0][0]
    for text in (message.body, html):
        links = LINK.findall(text)
        assert links, text
        assert all(link.startswith(PUBLIC) for link in links), links
        assert "testserver" not in text and "example.com" not in text
        with translation.override(language):
            assert organisation_name() in text
    if language == "fr-ca":
        assert "e-mail" not in message.body.lower() and "Bonjour" in message.body


def test_the_email_verification_sent_again_follows_the_account_language(client_for, network):
    user = User.objects.create_user("sans-verif@example.org", PASSWORD, language="en")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client = client_for(user)
    response = client.post(url("account_email", "fr-ca"), {"email": user.email, "action_send": ""})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Confirm your email address"
    assert problems_of(message, "en") == []
    # Asked from a French page, for an English account: the link opens the English page.
    assert f"{PUBLIC}/en/account/confirm-email/" in message.body, message.body


def test_the_reset_link_opens_the_page_in_the_emails_language(client, employer_a):
    """The account is French; the reset was asked from an English page: French email, French link."""
    client.post(url("account_reset_password", "en"), {"email": employer_a.email})
    (message,) = mail.outbox
    assert message.subject == "Choisir un nouveau mot de passe"
    (link,) = LINK.findall(message.body.split("Bonjour,")[1].split("\n\n")[1])
    assert link.startswith(f"{PUBLIC}/compte/password/reset/key/"), link
    assert client.get(link.removeprefix(PUBLIC)).status_code in (200, 302)


def test_the_reauthentication_code_email(client_for, employer_a):
    client = client_for(employer_a)
    response = client.post(
        url("account_request_reauthentication_code", "fr-ca"), {"recipient": employer_a.email}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (message,) = mail.outbox
    assert message.subject == "Votre code de confirmation"
    assert problems_of(message, "fr-ca") == []
    code_page = client.get(response.url).content.decode()
    assert "Entrez le code" in code_page
