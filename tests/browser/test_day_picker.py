"""The booking page's day picker in Chromium, beyond the booking journeys: another fortnight keeps
the focus on the link used and says the new range in the status region; Back returns to the
fortnight before; without JavaScript the same links load the page on the chosen day's times; and
the states the every-page scan does not reach (no free time, the topic's limit reached) pass
axe-core and fit 360 px."""

from urllib.parse import urlencode, urlsplit

from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from advisors.models import WeeklyAvailability
from appointments.models import Mode
from tests.booking_helpers import book
from tests.browser.helpers import fr
from tests.browser.scans import AXE, PHONE
from tests.browser.test_booking_journey import employer as employer  # noqa: PLC0414 (fixtures)
from tests.browser.test_booking_journey import open_network as open_network  # noqa: PLC0414
from tests.browser.test_every_page import AXE_TAGS, RUN_AXE
from tests.clients import signed_in


def slots_path(network) -> str:
    query = {"topic": network.topic.code, "mode": Mode.SERVICE_POINT, "municipality": "Trois-Rivières"}
    return f"{reverse('appointments:slots')}?{urlencode(query)}"


def employer_context(browser, live_url, user, **options):
    """A French browser context signed in as `user` (the test client's session cookie)."""
    context = browser.new_context(base_url=live_url, locale="fr-CA", timezone_id="America/Toronto", **options)
    context.set_default_timeout(15_000)
    host = urlsplit(live_url).hostname
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "domain": host, "path": "/"}
            for name, morsel in signed_in(user).cookies.items()
        ]
    )
    return context


def test_later_days_keep_the_focus_say_the_range_and_go_back(browser, live_url, employer):
    user, network = employer
    context = employer_context(browser, live_url, user)
    page = context.new_page()
    page.goto(slots_path(network))
    first_day = page.locator("ol.day-grid a.day").first.get_attribute("id")

    page.locator("#days-next").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#{first_day}")).to_have_count(0)  # another fortnight, in place
    expect(page.locator("#days-next")).to_be_focused()  # htmx puts the focus back by id
    assert "start=" in page.url
    announce = page.locator("#slot-picker").get_attribute("data-announce")
    assert announce.startswith("Du ") and fr("free times") not in announce  # in French
    status = page.locator("#picker-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text(announce)
    expect(page.locator("#days-previous")).to_be_visible()

    page.go_back()
    expect(page.locator(f"#{first_day}")).to_have_attribute("aria-current", "true")
    context.close()


def test_without_javascript_a_day_link_loads_that_days_times(browser, live_url, employer):
    user, network = employer
    context = employer_context(browser, live_url, user, java_script_enabled=False)
    page = context.new_page()
    page.goto(slots_path(network))
    other = page.locator("ol.day-grid a.day").nth(2)
    other_id = other.get_attribute("id")
    other.click()

    expect(page.locator(f"#{other_id}")).to_have_attribute("aria-current", "true")
    assert page.url.endswith("#day-times") and f"day={other_id[4:]}" in page.url
    expect(page.locator("#times-heading")).to_contain_text("Heures libres le ")
    expect(page.locator("#day-times a.slot").first).to_be_visible()
    context.close()


def test_the_empty_and_the_limit_states_pass_axe_and_fit_a_phone(browser, live_url, employer):
    user, network = employer
    context = employer_context(browser, live_url, user)
    context.add_init_script(path=str(AXE))
    page = context.new_page()

    def check(expected_heading: str) -> None:
        for viewport in ({"width": 1280, "height": 900}, PHONE):
            page.set_viewport_size(viewport)
            page.goto(slots_path(network))
            expect(page.get_by_role("heading", level=2, name=expected_heading)).to_be_visible()
            assert page.evaluate(RUN_AXE, AXE_TAGS) == [], viewport
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{width}px wide at {viewport['width']}px"

    # The topic's limit reached: said first, with the appointments that count; no times.
    network.topic.max_upcoming_per_company = 1
    network.topic.save()
    upcoming = _search(network).groups[0].days[0][1][0]
    book(network, user, upcoming.start, advisor=network.advisor_a)
    check(fr("You cannot book another appointment on this topic for now"))
    expect(page.locator("a.slot")).to_have_count(0)

    # No free time at all (and one appointment of the topic, under its limit now): the request
    # and the waitlist instead.
    network.topic.max_upcoming_per_company = 5
    network.topic.save()
    WeeklyAvailability.objects.all().delete()
    check(fr("No free time"))
    expect(page.get_by_role("link", name=fr("Send a consultation request"))).to_be_visible()
    expect(page.get_by_role("link", name=fr("Join the waitlist"))).to_be_visible()
    context.close()


def _search(network):
    from appointments.selectors import available_slots

    return available_slots(topic=network.topic, mode=Mode.SERVICE_POINT, location=network.municipality_a)
