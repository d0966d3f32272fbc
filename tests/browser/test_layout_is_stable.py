"""Every page of every role, in French and in English, holds still and keeps its words together:

- nothing keeps growing once the page is drawn: the height of every element is sampled a few
  times (over about 2.5 s on the pages our scripts draw into — charts, calendar, htmx — a moment
  apart on the others), and an element taller at every sample, by more than a few pixels in all,
  is a runaway layout (Chart.js sizing a canvas from a box that the canvas itself stretches);
- no button's text wraps onto a second line (a time `10 h` over `30`): none at 1280 px; at 360 px
  only a button that fills a wide parent (the phone's content column) may take two lines (a long
  French label has nowhere else to go but off the screen);
- nothing makes the page scroll sideways at 360 px.

The pages are tests/pages.py's list, as for test_every_page.py; axe-core is left to that test.
"""

import pytest

from tests.browser.scans import DESKTOP, OVERFLOW, PHONE, ROLES, SCRIPTED, signed_in_context
from tests.pages import LANGUAGES, Page, html_pages, signed_in_client

# Every element's height, by its position in the document (the same page, so the same order).
HEIGHTS = """() => [...document.body.querySelectorAll("*")].map((el) => el.getBoundingClientRect().height)"""

GROWING = """(samples) => {
  const path = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) part += "#" + node.id;
      else if (node.classList.length) part += "." + [...node.classList].slice(0, 2).join(".");
      else if (node.dataset.chart) part += `[data-chart=${node.dataset.chart}]`;
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const elements = [...document.body.querySelectorAll("*")];
  const found = [];
  elements.forEach((el, i) => {
    const heights = samples.map((sample) => sample[i]);
    if (heights.some((h) => h === undefined)) return;
    const rising = heights.every((h, k) => k === 0 || h > heights[k - 1] + 0.5);
    if (rising && heights[heights.length - 1] - heights[0] > 8) {
      found.push(`${path(el)}: ${heights.map(Math.round).join(" → ")} px`);
    }
  });
  return found.slice(0, 5);
}"""

# Buttons whose visible text runs over more than one line (visually hidden text left out).
WRAPPED = """(roomyParent) => {
  const buttons = document.querySelectorAll(
    "button, .button, [role=button], input[type=submit], input[type=button]"
  );
  // Text for screen readers only (.visually-hidden: a 1 px box) is laid out elsewhere: not a line.
  const hidden = (el, button) => {
    for (let node = el; node && node !== button.parentElement; node = node.parentElement) {
      const rect = node.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1) return true;
    }
    return false;
  };
  const wrapped = [];
  for (const button of buttons) {
    const box = button.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(button).visibility === "hidden") continue;
    const tops = new Set();
    const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.textContent.trim() || hidden(text.parentElement, button)) continue;
      const range = document.createRange();
      range.selectNodeContents(text);
      for (const rect of range.getClientRects()) {
        if (rect.width > 1 && rect.height > 1) tops.add(Math.round(rect.top / 4));
      }
    }
    // A button that fills a wide parent (a phone's content column) has no room left: a long
    // label may take two lines there rather than stick out.
    const parent = button.parentElement;
    const style = getComputedStyle(parent);
    const room = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const full = room >= roomyParent && box.width >= room - 2;
    if (tops.size > 1 && !full) {
      const label = (button.innerText || button.value || "").replace(/\\s+/g, " ").trim();
      const size = `${Math.round(box.width)} × ${Math.round(box.height)} px`;
      wrapped.push(`"${label}" (${tops.size} lines, ${size})`);
    }
  }
  return wrapped.slice(0, 8);
}"""


def growing_elements(tab, *, scripted: bool) -> list[str]:
    """The elements taller at each of a few samples: three over 2.4 s where scripts draw, two 0.3 s
    apart elsewhere."""
    pause, count = (1200, 3) if scripted else (300, 2)
    samples = [tab.evaluate(HEIGHTS)]
    for _ in range(count - 1):
        tab.wait_for_timeout(pause)
        samples.append(tab.evaluate(HEIGHTS))
    return tab.evaluate(GROWING, samples)


def check_layout(tab, page: Page) -> list[str]:
    tab.set_viewport_size(DESKTOP)
    response = tab.goto(page.url, wait_until="load")
    if response is None or response.status != page.status:
        return [f"answered {response and response.status} in the browser"]
    scripted = tab.locator(SCRIPTED).count() > 0
    if scripted:
        tab.wait_for_load_state("networkidle")
    tab.evaluate("document.fonts.ready.then(() => true)")
    problems = [f"keeps growing: {found}" for found in growing_elements(tab, scripted=scripted)]
    problems += [f"button wraps at 1280 px: {found}" for found in tab.evaluate(WRAPPED, DESKTOP["width"] * 2)]
    tab.set_viewport_size(PHONE)
    tab.wait_for_timeout(400 if scripted else 50)  # FullCalendar and Chart.js redraw after a resize
    # At 360 px a button filling a parent at least 60 % of the screen wide cannot grow further.
    problems += [f"button wraps at 360 px: {found}" for found in tab.evaluate(WRAPPED, PHONE["width"] * 0.6)]
    overflow = tab.evaluate(OVERFLOW)
    if overflow:
        problems.append(
            f"scrolls sideways at 360 px: scrollWidth {overflow['scrollWidth']} > "
            f"{overflow['width']}; widest: {overflow['wide']}"
        )
    return problems


@pytest.mark.parametrize("role_name", list(ROLES))
def test_no_page_of_the_role_keeps_growing_wraps_a_button_or_scrolls_sideways(
    role_name, ticking_now, transactional_db, live_url, browser, world
):
    wrong = []
    checked = set()  # (URL name, language): once per role
    for person in ROLES[role_name]:
        client = signed_in_client(person, world)
        context = signed_in_context(browser, live_url, client, axe=False)
        try:
            tab = context.new_page()
            for language in LANGUAGES:
                for page, _html in html_pages(client, person, world, language):
                    if (page.name, language) in checked:
                        continue
                    checked.add((page.name, language))
                    wrong += [f"{person} {language} {page}: {problem}" for problem in check_layout(tab, page)]
        finally:
            context.close()
    print(f"{role_name}: {len(checked)} page loads")
    assert wrong == [], "\n".join(wrong)
