"""Every page of every role, in French and in English, in Chromium: WCAG 2.1 A/AA by axe-core, usable
at 360 px wide, one <h1> and a title of its own.

The pages are tests/pages.py's list (the authorization matrix's 200s and allauth's pages, kept
when they answer text/html), so a new page is checked without anyone adding it here. For each
role (employers, advisers, managers, the administrator, anonymous visitors) every page one of its
people sees is loaded once per language (a page that is the same for everyone, the API
reference, by visitors only):

- axe-core (tests/browser/vendor/axe.min.js, vendored by scripts/vendor_static.sh from npm) runs
  with the WCAG 2.1 A and AA rules (SGQRI 008 follows WCAG 2.1 AA): no violation, at 1280 px;
- then, on the same load resized to 360 × 740 px, the page must not scroll sideways
  (`scrollWidth` against the viewport; the widest elements are named when it does) and, in
  French, axe-core runs again on the phone layout (the narrow layout's rules — contrast, focusable
  scrolling regions — do not depend on the language; the English text's width is checked by the
  sideways-scroll and wrapped-button checks);
- one `<h1>`, a non-empty `<title>`, and no two pages of a person and language with one title;
- in the same load, the layout holds still and keeps its words together (issue 19): the height of
  every element is sampled before and after axe-core's run and, in French on the pages our scripts
  draw into (charts, calendar, htmx), twice more over 2.4 s, and an element taller at every sample,
  by more than a few pixels in all, is a runaway layout (Chart.js sizing a canvas from a box the
  canvas itself stretches); no button's text wraps onto a second line (a time `10 h` over `30`):
  none at 1280 px, and at 360 px only a button that fills a wide parent.

People sign in by session cookie (Django's `force_login`, copied into the browser context): the
sign-in form itself is one of the anonymous pages. The live server's clock is the tests' Monday
23 November 2026 (ticking), so the `world` appointment is still ahead.
"""

from collections import defaultdict

import pytest

from tests.browser.scans import (
    DESKTOP,
    GROWING,
    HEIGHTS,
    OVERFLOW,
    PHONE,
    ROLES,
    SCRIPTED,
    WRAPPED,
    later_heights,
    signed_in_context,
)
from tests.pages import LANGUAGES, Page, html_pages, signed_in_client
from tests.test_html_valid import duplicate_titles

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 6).map((n) => n.target.join(" ")),
    more: Math.max(0, v.nodes.length - 6),
  }));
}"""

HEADINGS = """() => ({
  h1: document.querySelectorAll("h1").length,
  title: document.title.trim().replace(/\\s+/g, " "),
})"""


def axe_violations(tab, width: str) -> list[str]:
    found = []
    for violation in tab.evaluate(RUN_AXE, AXE_TAGS):
        more = f" and {violation['more']} more" if violation["more"] else ""
        found.append(
            f"axe at {width}: {violation['id']} ({violation['impact']}: {violation['help']}) at "
            f"{violation['targets']}{more}"
        )
    return found


def check_page(tab, page: Page, *, thorough: bool) -> tuple[list[str], str]:
    """(problems, title) of one page: axe-core at desktop width, then at 360 px with the sideways
    scroll check; in the same load, the layout holds still (no element keeps growing) and no
    button's text wraps (none at 1280 px; at 360 px only one that fills a wide parent).

    `thorough` (French) adds axe-core at 360 px and watches scripted pages grow for longer."""
    tab.set_viewport_size(DESKTOP)
    response = tab.goto(page.url, wait_until="load")
    scripted = tab.locator(SCRIPTED).count() > 0
    if scripted:
        tab.wait_for_load_state("networkidle")  # the calendar's events, the charts' data
    problems = []
    if response is None or response.status != page.status:
        return [f"answered {response and response.status} in the browser"], ""
    tab.evaluate("document.fonts.ready.then(() => true)")
    # Heights sampled before and after axe-core's run (a few hundred milliseconds of the page's
    # life), and on the pages our scripts draw into, over two more seconds in French.
    heights = [tab.evaluate(HEIGHTS)]
    problems += axe_violations(tab, "1280 px")
    problems += [f"button wraps at 1280 px: {found}" for found in tab.evaluate(WRAPPED, DESKTOP["width"] * 2)]
    heights.append(tab.evaluate(HEIGHTS))
    if scripted and thorough:
        heights += later_heights(tab)
    problems += [f"keeps growing: {found}" for found in tab.evaluate(GROWING, heights)]
    tab.set_viewport_size(PHONE)
    # FullCalendar answers a resize after 100 ms (windowResizeDelay), then draws.
    tab.wait_for_timeout(400 if scripted else 50)
    # At 360 px a button filling a parent at least 60 % of the screen wide cannot grow further.
    problems += [f"button wraps at 360 px: {found}" for found in tab.evaluate(WRAPPED, PHONE["width"] * 0.6)]
    overflow = tab.evaluate(OVERFLOW)
    # Again on the phone layout: a table that scrolls inside its wrapper there must be reachable
    # by keyboard (scrollable-region-focusable), what the narrow layout shows must contrast, etc.
    if thorough:
        problems += axe_violations(tab, "360 px")
    if overflow:
        problems.append(
            f"scrolls sideways at 360 px: scrollWidth {overflow['scrollWidth']} > "
            f"{overflow['width']}; widest: {overflow['wide']}"
        )
    found = tab.evaluate(HEADINGS)
    if found["h1"] != 1:
        problems.append(f"{found['h1']} <h1> elements")
    if not found["title"]:
        problems.append("empty <title>")
    return problems, found["title"]


# Pages whose content is the same for everyone: scanned for visitors only. The API reference (the
# whole schema, a few thousand elements) takes longer than any other page to scan.
SAME_FOR_EVERYONE = {"api_reference"}


# One test per role and language, so that parallel workers share the scan evenly.
@pytest.mark.long(30)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role_name", list(ROLES))
def test_every_page_of_the_role_passes_axe_holds_still_fits_360_px_and_has_its_own_title(
    role_name, language, ticking_now, transactional_db, live_url, browser, world
):
    wrong = []
    checked = set()  # URL names: once per role, by the first of its people who sees the page
    for person in ROLES[role_name]:
        client = signed_in_client(person, world)
        context = signed_in_context(browser, live_url, client)
        try:
            tab = context.new_page()
            titles = defaultdict(set)
            pages = [page for page, _html in html_pages(client, person, world, language)]
            assert pages, f"no page for {person} in {language}"
            for page in pages:
                if page.name in checked or (page.name in SAME_FOR_EVERYONE and role_name != "anonymous"):
                    continue
                checked.add(page.name)
                problems, title = check_page(tab, page, thorough=language == LANGUAGES[0])
                titles[title].add(page.name)
                wrong += [f"{person} {language} {page}: {problem}" for problem in problems]
            wrong += [f"{person} {language}: {duplicate}" for duplicate in duplicate_titles(titles)]
        finally:
            context.close()
    print(f"{role_name} in {language}: {len(checked)} page loads")
    assert wrong == [], "\n".join(wrong)


def test_the_scan_catches_a_runaway_element_and_a_wrapped_button(browser):
    """The guards themselves: a box that grows as a runaway chart did, a time `10 h` over `30`."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        tab = context.new_page()
        tab.set_content(
            '<main><div id="chart" style="height: 100px"></div>'
            '<p style="width: 40px"><button>10 h 30</button></p></main>'
        )
        tab.evaluate(
            """() => setInterval(() => {
              const chart = document.getElementById("chart");
              chart.style.height = chart.offsetHeight + 20 + "px";
            }, 50)"""
        )
        heights = [tab.evaluate(HEIGHTS)]
        tab.wait_for_timeout(300)
        heights.append(tab.evaluate(HEIGHTS))
        heights += later_heights(tab)
        growing = tab.evaluate(GROWING, heights)
        assert any(found.startswith("html > body > main > div#chart") for found in growing), growing
        wrapped = tab.evaluate(WRAPPED, DESKTOP["width"] * 2)
        assert len(wrapped) == 1 and wrapped[0].startswith('"10 h 30" ('), wrapped
    finally:
        context.close()
