"""Security headers on real responses (production settings: DEBUG=0 in tests)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_policy_and_the_usual_headers(client):
    response = client.get(reverse("home"), secure=True)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_calendar_style_nonce_is_the_one_in_the_policy(advisor):
    client = Client()
    client.force_login(advisor)
    response = client.get(reverse("advisors:calendar"), secure=True)
    nonce = re.search(r'<meta name="csp-nonce" content="([^"]+)">', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    other = client.get(reverse("advisors:calendar"), secure=True)
    assert nonce not in other["Content-Security-Policy"]  # a new nonce per response


def test_session_and_csrf_cookies_are_secure_and_http_only(new_user):
    new_user.set_password("Un-mot-de-passe-2026")
    new_user.save()
    client = Client()
    client.get(reverse("account_login"), secure=True)
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(
        reverse("account_login"),
        {"login": new_user.email, "password": "Un-mot-de-passe-2026", "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def _answered(middleware_class, *, decorate=None, nonce=False):
    """The response of a small view through `middleware_class` (django-csp's or ours)."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    def view(request):
        if nonce:
            str(request.csp_nonce)
        return HttpResponse("ok")

    if decorate is not None:
        view = decorate(view)
    middleware = middleware_class(view)
    return middleware(RequestFactory().get("/"))


@pytest.mark.parametrize("case", ["plain", "nonce", "update", "exempt", "report_only"])
def test_our_policy_header_is_django_csps_own(case, settings):
    """The header built once (core.security_policy) is the one django-csp builds, in every case;
    those it does not keep go through django-csp itself."""
    from csp.decorators import csp_exempt, csp_update
    from csp.middleware import CSPMiddleware as Theirs

    from core.security_policy import CSPMiddleware as Ours

    decorate = {"update": csp_update({"img-src": ["https://tiles.example"]}), "exempt": csp_exempt()}.get(
        case
    )
    if case == "report_only":
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    ours = _answered(Ours, decorate=decorate, nonce=case == "nonce")
    theirs = _answered(Theirs, decorate=decorate, nonce=case == "nonce")
    for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        mine, original = ours.get(header), theirs.get(header)
        if case == "nonce":  # a new nonce each: the same policy around it
            mine, original = (re.sub(r"'nonce-[^']+'", "'nonce-N'", h or "") for h in (mine, original))
        assert mine == original
    if case == "plain":
        assert "default-src 'self'" in ours["Content-Security-Policy"]


def test_a_changed_policy_is_a_new_header(settings):
    from core.security_policy import CSPMiddleware

    first = _answered(CSPMiddleware)["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'"]}}
    second = _answered(CSPMiddleware)["Content-Security-Policy"]
    # django-csp writes the directives in no set order: compare them as a set.
    assert first != second and set(second.split("; ")) == {"default-src 'self'", "img-src 'self'"}
