"""Every page of every role, in French and in English, in Chromium: WCAG 2.1 A/AA by axe-core, usable
at 360 px wide, one <h1> and a title of its own.

The pages are tests/pages.py's list (the authorization matrix's 200s and allauth's pages, kept
when they answer text/html), so a new page is checked without anyone adding it here. For each
role (employers, advisers, managers, the administrator, anonymous visitors) every page one of its
people sees is loaded once per language:

- axe-core (tests/browser/vendor/axe.min.js, vendored by scripts/vendor_static.sh from npm) runs
  with the WCAG 2.1 A and AA rules (SGQRI 008 follows WCAG 2.1 AA): no violation, at 1280 px;
- then, on the same load resized to 360 × 740 px, the page must not scroll sideways
  (`scrollWidth` against the viewport; the widest elements are named when it does) and axe-core
  runs again on the phone layout;
- one `<h1>`, a non-empty `<title>`, and no two pages of a person and language with one title;
- in the same load, the layout holds still and keeps its words together (issue 19): the height of
  every element is sampled a few times (over about 2.5 s on the pages our scripts draw into —
  charts, calendar, htmx — a moment apart on the others), and an element taller at every sample,
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
    OVERFLOW,
    PHONE,
    ROLES,
    SCRIPTED,
    WRAPPED,
    growing_elements,
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


def check_page(tab, page: Page) -> tuple[list[str], str]:
    """(problems, title) of one page: axe-core at desktop width, then at 360 px with the sideways
    scroll check; in the same load, the layout holds still (no element keeps growing) and no
    button's text wraps (none at 1280 px; at 360 px only one that fills a wide parent)."""
    tab.set_viewport_size(DESKTOP)
    response = tab.goto(page.url, wait_until="load")
    scripted = tab.locator(SCRIPTED).count() > 0
    if scripted:
        tab.wait_for_load_state("networkidle")  # the calendar's events, the charts' data
    problems = []
    if response is None or response.status != page.status:
        return [f"answered {response and response.status} in the browser"], ""
    tab.evaluate("document.fonts.ready.then(() => true)")
    problems += [f"keeps growing: {found}" for found in growing_elements(tab, scripted=scripted)]
    problems += [f"button wraps at 1280 px: {found}" for found in tab.evaluate(WRAPPED, DESKTOP["width"] * 2)]
    problems += axe_violations(tab, "1280 px")
    tab.set_viewport_size(PHONE)
    # FullCalendar answers a resize after 100 ms (windowResizeDelay), then draws.
    tab.wait_for_timeout(400 if scripted else 50)
    # At 360 px a button filling a parent at least 60 % of the screen wide cannot grow further.
    problems += [f"button wraps at 360 px: {found}" for found in tab.evaluate(WRAPPED, PHONE["width"] * 0.6)]
    overflow = tab.evaluate(OVERFLOW)
    # Again on the phone layout: a table that scrolls inside its wrapper there must be reachable
    # by keyboard (scrollable-region-focusable), what the narrow layout shows must contrast, etc.
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


@pytest.mark.parametrize("role_name", list(ROLES))
def test_every_page_of_the_role_passes_axe_holds_still_fits_360_px_and_has_its_own_title(
    role_name, ticking_now, transactional_db, live_url, browser, world
):
    wrong = []
    checked = set()  # (URL name, language): once per role, by the first of its people who sees it
    for person in ROLES[role_name]:
        client = signed_in_client(person, world)
        context = signed_in_context(browser, live_url, client)
        try:
            tab = context.new_page()
            for language in LANGUAGES:
                titles = defaultdict(set)
                pages = [page for page, _html in html_pages(client, person, world, language)]
                assert pages, f"no page for {person} in {language}"
                for page in pages:
                    if (page.name, language) in checked:
                        continue
                    checked.add((page.name, language))
                    problems, title = check_page(tab, page)
                    titles[title].add(page.name)
                    wrong += [f"{person} {language} {page}: {problem}" for problem in problems]
                wrong += [f"{person} {language}: {duplicate}" for duplicate in duplicate_titles(titles)]
        finally:
            context.close()
    print(f"{role_name}: {len(checked)} page loads")
    assert wrong == [], "\n".join(wrong)
