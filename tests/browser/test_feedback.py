"""Long operations say that they are under way, in a live region the screen reader reads.

- The slot search: once sent, the form is aria-busy and its status region says it is searching
  (the first submission is stopped here, after the page's handler, so the state can be seen).
- A CSV export: activating the download link says the export started (the page stays).
- A request just filed: until an adviser holds it, its page says it is being routed.
"""

from django.utils import timezone

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from appointments.models import Mode
from consultations.models import ConsultationRequest
from tests.browser.helpers import fr, log_in, log_out
from tests.browser.test_booking_journey import employer as employer  # noqa: PLC0414 (fixtures)
from tests.browser.test_booking_journey import open_network as open_network  # noqa: PLC0414
from tests.browser.test_manager_journey import directorate as directorate  # noqa: PLC0414 (the fixture)


def test_slot_search_and_routing_show_progress(page, browser_context, employer, live_url):
    user, network = employer
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    heading = page.get_by_role("heading", level=1)
    page.goto("/")
    log_in(page, nav, user)

    # 1. The search: the first submission is stopped after the page's own submit handler has run
    #    (a listener on window runs after feedback.js's on document), so the busy state stays on
    #    screen to be read; then the search is sent for real.
    nav.get_by_role("link", name=fr("Book a consultation")).click()
    page.evaluate(
        """() => window.addEventListener("submit", (event) => {
          if (!window.letTheSearchGo) event.preventDefault();
        })"""
    )
    page.get_by_role("radio", name=network.topic.name_fr).check()
    page.get_by_role("radio", name=fr(Mode.SERVICE_POINT.label)).check()
    send = page.get_by_role("button", name=fr("See the available times"))
    send.click()
    form = page.locator("form[data-progress]")
    status = form.locator("[data-progress-status]")
    expect(form).to_have_attribute("aria-busy", "true")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text(fr("Searching for the earliest free times…"))
    # Drawn while busy (CSS ::before); reduced motion stops it (a global rule).
    assert status.evaluate("(el) => getComputedStyle(el, '::before').animationName") == "spin"
    expect(heading).to_have_text(fr("Book a consultation"))  # still the search page
    page.evaluate("() => { window.letTheSearchGo = true; }")
    send.click()
    expect(heading).to_have_text(fr("Choose a time"))

    # 2. A request waiting for routing says so, until an adviser holds it.
    consultation = ConsultationRequest.objects.create(
        company=user.employer_profile.company,
        requested_by=user,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        municipality=network.municipality_a,
        language="fr",
        message="Nous voulons embaucher deux boulangers de l'étranger.",
    )
    assert consultation.status == ConsultationRequest.Status.NEW
    nav.get_by_role("link", name=fr("My requests")).click()
    page.get_by_role("row").filter(has_text=network.topic.name_fr).get_by_role("link").first.click()
    expect(heading).to_have_text(fr("Consultation request"))
    routing = (
        page.locator("main")
        .get_by_role("status")
        .filter(
            has_text=fr(
                "Your request is being routed to the nearest qualified adviser. "
                "Their name shows here once assigned, and you get an email."
            )
        )
    )
    expect(routing).to_be_visible()
    expect(page.locator("dl.summary")).to_contain_text(fr(ConsultationRequest.Status.NEW.label))

    consultation.status = ConsultationRequest.Status.ASSIGNED
    consultation.assigned_advisor = network.advisor_a
    consultation.assigned_at = timezone.now()
    consultation.save()
    page.reload()
    expect(routing).to_have_count(0)
    expect(page.locator("dl.summary")).to_contain_text(str(network.advisor_a))
    log_out(nav)

    browser_context.problems.assert_clean()


def test_csv_export_says_it_started(page, browser_context, directorate, live_url):
    manager, network, *_ = directorate
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    page.goto("/")
    log_in(page, nav, manager)
    nav.get_by_role("link", name=fr("Dashboard"), exact=True).click()

    messages = page.locator("#messages")
    expect(messages).to_have_attribute("role", "status")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=fr("Export the appointments (CSV)")).click()
    expect(messages).to_have_text(fr("Export started: the appointments file will download in a moment."))
    assert download_info.value.suggested_filename.endswith(".csv")

    with page.expect_download():
        page.get_by_role("button", name=fr("Export the requests (CSV)")).click()
    expect(messages).to_have_text(fr("Export started: the requests file will download in a moment."))

    browser_context.problems.assert_clean()
