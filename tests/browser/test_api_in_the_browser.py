"""The API as a person meets it in Chromium: an employer creates a personal token on the
"API tokens" page, an integration uses it, the employer revokes it; a developer finds the API's
reference from the footer and moves through it by its links."""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from tests import factories
from tests.browser.helpers import fr, log_in
from tests.inputs import PASSWORD


@pytest.fixture
def employer(transactional_db):
    network = factories.small_network()
    user = factories.UserFactory(email="api@boulangerie.example", first_name="Rémi", password=PASSWORD)
    factories.EmployerProfileFactory(user=user, company__municipality=network.municipality_a)
    return user


def test_employer_creates_uses_and_revokes_a_token(page, browser_context, employer, live_url):
    page.goto("/")
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    log_in(page, nav, employer)
    page.get_by_role("contentinfo").get_by_role("link", name=fr("API tokens")).click()
    page.get_by_label(fr("Name")).fill("Système RH")
    page.get_by_role("button", name=fr("Create the token")).click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("midi_")

    api = browser_context.request
    calls = live_url + "/api/v1/appointments/"
    assert api.get(calls, headers={"Authorization": f"Bearer {token}"}).status == 200

    page.goto(page.url)  # the list again: the secret is not shown a second time
    expect(page.locator("#new-token")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Système RH")
    row.get_by_role("button").click()
    expect(page.locator("#messages")).to_contain_text(
        fr("The token is revoked: calls made with it are refused from now on.")
    )
    assert api.get(calls, headers={"Authorization": f"Bearer {token}"}).status == 401
    browser_context.problems.assert_clean()


def test_a_developer_reads_the_reference_from_the_footer(page, browser_context, live_url, transactional_db):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name=fr("API for developers")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("API for developers"))
    contents = page.get_by_role("navigation", name=fr("On this page"))
    contents.get_by_role("link", name=fr("Book a time")).click()
    booking = page.get_by_role("region", name=fr("Book a time"))
    expect(booking).to_be_in_viewport()
    expect(booking).to_contain_text("POST /api/v1/appointments/")
    expect(booking).to_contain_text(
        fr("Idempotency key: sending the same key again returns the first booking.")
    )
    booking.get_by_role("link", name="Appointment").first.click()
    expect(page.get_by_role("region", name="Appointment")).to_be_in_viewport()
    schema = page.get_by_role("link", name="OpenAPI 3 (JSON)")
    assert (
        browser_context.request.get(live_url + schema.get_attribute("href"))
        .json()["openapi"]
        .startswith("3.")
    )
    assert all(request.startswith("/static/") for request in browser_context.problems.static_ok)
    browser_context.problems.assert_clean()
