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
- one `<h1>`, a non-empty `<title>`, and no two pages of a person and language with one title.

People sign in by session cookie (Django's `force_login`, copied into the browser context): the
sign-in form itself is one of the anonymous pages. The live server's clock is the tests' Monday
23 November 2026 (ticking), so the `world` appointment is still ahead.
"""

from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.pages import LANGUAGES, Page, html_pages, role, signed_in_client
from tests.test_authorization_matrix import PEOPLE
from tests.test_html_valid import duplicate_titles

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
ROLES: dict[str, list[str]] = defaultdict(list)
for _person in PEOPLE:
    ROLES[role(_person)].append(_person)

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

# The elements sticking out on the right, widest first, each with a short CSS path.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const path = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) part += "#" + node.id;
      else if (node.classList.length) part += "." + [...node.classList].slice(0, 2).join(".");
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) return null;
  // What a scrolling wrapper (.table-wrap) holds scrolls there, not the page: left out.
  const clipped = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [...document.body.querySelectorAll("*")]
    .filter((el) => !clipped(el))
    .map((el) => [el, el.getBoundingClientRect().right])
    .filter(([el, right]) => right > width + 0.5)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([el, right]) => `${path(el)} (right edge ${Math.round(right)} px)`);
  return {scrollWidth, width, wide};
}"""

# Parts of a page that our scripts fill after the load event.
SCRIPTED = "[data-calendar], [data-chart], [hx-trigger*='load'], [hx-trigger*='revealed']"

HEADINGS = """() => ({
  h1: document.querySelectorAll("h1").length,
  title: document.title.trim().replace(/\\s+/g, " "),
})"""


@pytest.fixture
def ticking_now():
    """The tests' clock (Monday 23 November 2026, 10:00 in Québec), moving: the live server runs
    in this process, so it sees it too."""
    import time_machine

    from tests.booking_helpers import NOW

    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def signed_in_context(browser, live_url, client):
    """A browser context carrying the Django test client's cookies (the session)."""
    context = browser.new_context(
        base_url=live_url, locale="fr-CA", timezone_id="America/Toronto", viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))  # before the page's scripts, whatever its CSP says
    host = urlsplit(live_url).hostname
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "domain": host, "path": "/"}
            for name, morsel in client.cookies.items()
        ]
    )
    return context


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
    scroll check."""
    tab.set_viewport_size(DESKTOP)
    response = tab.goto(page.url, wait_until="load")
    scripted = tab.locator(SCRIPTED).count() > 0
    if scripted:
        tab.wait_for_load_state("networkidle")  # the calendar's events, the charts' data
    problems = []
    if response is None or response.status != page.status:
        return [f"answered {response and response.status} in the browser"], ""
    problems += axe_violations(tab, "1280 px")
    tab.set_viewport_size(PHONE)
    # FullCalendar answers a resize after 100 ms (windowResizeDelay), then draws.
    tab.wait_for_timeout(400 if scripted else 50)
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
def test_every_page_of_the_role_passes_axe_fits_360_px_and_has_its_own_title(
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
