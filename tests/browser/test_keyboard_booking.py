"""The whole booking journey with the keyboard alone: Tab, Shift+Tab, Enter, Space and typing.

No click and no `.fill` anywhere: every step moves the focus with the keyboard and checks that the
focused element is on screen with a visible focus ring (computed outline or box-shadow). The first
Tab lands on the skip link; a search sent with a missing answer comes back with the error summary
focused, announced (role=alert) and linked to the fields (aria-describedby, links to the inputs).
"""

from django.core import mail

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from appointments.models import Appointment, Mode
from tests.browser.helpers import fr
from tests.browser.test_booking_journey import employer as employer  # noqa: PLC0414 (fixtures)
from tests.browser.test_booking_journey import open_network as open_network  # noqa: PLC0414
from tests.inputs import PASSWORD

MAX_TABS = 60  # a page with more stops than this before the target is itself a keyboard problem

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    type: el.getAttribute("type") || "",
    name: el.getAttribute("name") || "",
    value: el.value || "",
    checked: !!el.checked,
    text: (el.innerText || "").replace(/\\s+/g, " ").trim(),
    label: el.labels && el.labels.length ? el.labels[0].innerText.replace(/\\s+/g, " ").trim() : "",
    role: el.getAttribute("role") || "",
    describedby: el.getAttribute("aria-describedby") || "",
    outline: style.outlineStyle === "none" || style.outlineWidth === "0px" ? "none" : style.outlineStyle,
    shadow: style.boxShadow,
    width: box.width,
    height: box.height,
    top: box.top,
    bottom: box.bottom,
    viewport: window.innerHeight,
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_visible_focus(element: dict) -> None:
    where = f"{element['tag']} #{element['id']} {element['text'][:60]!r}"
    assert element["width"] > 0 and element["height"] > 0, f"focus on an invisible element: {where}"
    assert element["bottom"] > 0 and element["top"] < element["viewport"], f"focus off screen: {where}"
    assert element["outline"] != "none" or element["shadow"] != "none", f"no focus ring on {where}"


def tab_to(page, matches, *, key: str = "Tab") -> dict:
    """Press `key` until the focused element satisfies `matches`; every stop has a visible focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        element = focused(page)
        if element["tag"] == "body":  # past the last stop: the browser's own UI has the focus
            continue
        assert_visible_focus(element)
        if matches(element):
            return element
    raise AssertionError(f"{MAX_TABS} × {key} did not reach the element (last: {element})")


def text_is(text: str):
    return lambda element: element["text"] == text


def field_named(name: str):
    return lambda element: element["name"] == name


def test_book_with_the_keyboard_only(page, browser_context, employer, live_url, celery_eager):
    user, network = employer
    heading = page.get_by_role("heading", level=1)
    page.goto("/")

    # 1. The first Tab lands on the skip link, shown when focused; Enter moves to the content.
    skip = tab_to(page, lambda element: True)
    assert (skip["tag"], skip["text"]) == ("a", fr("Skip to main content"))
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # 2. From the content, the home page's "Log in" button; type the email and the password.
    tab_to(page, text_is(fr("Log in")))
    page.keyboard.press("Enter")
    expect(heading).to_be_visible()
    tab_to(page, field_named("login"))
    page.keyboard.type(user.email)
    tab_to(page, field_named("password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    expect(nav.get_by_role("button", name=fr("Log out"))).to_be_visible()

    # 3. Back to the home page by the wordmark, then "Book a consultation" in the main menu.
    tab_to(
        page,
        lambda element: (
            element["tag"] == "a" and element["text"].startswith(fr("Regional immigration advisers"))
        ),
    )
    page.keyboard.press("Enter")
    expect(heading).to_have_text(fr("Meet a regional immigration adviser near your company"))
    tab_to(page, text_is(fr("Book a consultation")))
    page.keyboard.press("Enter")
    expect(heading).to_have_text(fr("Book a consultation"))

    # 4. Pick the topic (Space on the first radio) but no mode, and send the search.
    topic = tab_to(page, field_named("topic"))
    page.keyboard.press("Space")
    assert focused(page)["checked"], topic
    tab_to(page, text_is(fr("See the available times")))
    page.keyboard.press("Enter")

    # The error summary is announced and takes the focus, with a ring; the field says why.
    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text(fr("How would you like to meet?"))
    expect(summary).to_be_focused()
    assert_visible_focus(focused(page))
    mode_group = page.get_by_role("group", name=fr("How would you like to meet?"))
    expect(mode_group).to_have_attribute("aria-describedby", "id_mode_error")
    expect(page.locator("#id_mode_error")).to_have_text(fr("This field is required."))
    expect(page.get_by_role("radio", name=network.topic.name_fr)).to_be_checked()  # kept

    # The summary's link leads to the first radio of the group with the error.
    link = tab_to(page, lambda element: element["tag"] == "a")
    assert link["text"] == fr("How would you like to meet?")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#id_mode_0"
    page.keyboard.press("Enter")
    mode = tab_to(page, field_named("mode"))
    assert mode["value"] == Mode.SERVICE_POINT
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    # The municipality comes pre-filled from the company: Shift+Tab back over it, then forward.
    tab_to(page, field_named("municipality"))
    assert focused(page)["value"] == "Trois-Rivières"
    tab_to(page, field_named("mode"), key="Shift+Tab")
    tab_to(page, text_is(fr("See the available times")))
    page.keyboard.press("Enter")

    # 5. Another day of the grid, by Enter on its link: the focus lands on that day's times (their
    #    heading, with a ring); the next Tab reaches the earliest time of the nearest adviser.
    expect(heading).to_have_text(fr("Choose a time"))
    chosen = page.locator("ol.day-grid a.day[aria-current]").get_attribute("id")
    tab_to(page, lambda element: element["id"].startswith("day-") and element["id"] != chosen)
    other_day = focused(page)["id"]
    page.keyboard.press("Enter")
    expect(page.locator(f"#{other_day}")).to_have_attribute("aria-current", "true")
    expect(page.locator("#times-heading")).to_be_focused()
    assert_visible_focus(focused(page))
    first_slot = tab_to(
        page,
        lambda element: element["tag"] == "a" and "slot" in page.evaluate("document.activeElement.className"),
    )
    page.keyboard.press("Enter")
    expect(heading).to_have_text(fr("Confirm the appointment"))
    tab_to(page, text_is(fr("Confirm the appointment")))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text(
        fr("Your appointment is booked. A confirmation email is on its way.")
    )
    appointment = Appointment.objects.get()
    assert appointment.booked_by == user and appointment.advisor == network.advisor_a
    assert appointment.mode == Mode.SERVICE_POINT
    assert first_slot["text"].split("–")[0].strip() in page.locator("dl.details").inner_text()
    assert len(mail.outbox) == 1

    # The search with an error answers 400 (Chromium logs it in the console): nothing else.
    problems = browser_context.problems
    refused = [
        line for line in problems.console if "status of 400" in line and "/rendez-vous/reserver/" in line
    ]
    assert len(refused) == 1, problems.console
    problems.console.remove(refused[0])
    problems.assert_clean(allow_statuses=(400,))
