"""What the page-wide browser scans share: who is scanned, at which sizes, and the scripts that
measure a page (test_every_page.py: axe-core, the 360 px fit, growth and wrapped buttons)."""

from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from tests.pages import role
from tests.test_authorization_matrix import PEOPLE

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
ROLES: dict[str, list[str]] = defaultdict(list)
for _person in PEOPLE:
    ROLES[role(_person)].append(_person)

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


def signed_in_context(browser, live_url, client, *, axe: bool = True):
    """A browser context carrying the Django test client's cookies (the session); with axe-core
    loaded before the page's scripts unless `axe` is False."""
    context = browser.new_context(
        base_url=live_url, locale="fr-CA", timezone_id="America/Toronto", viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    if axe:
        context.add_init_script(path=str(AXE))  # before the page's scripts, whatever its CSP says
    host = urlsplit(live_url).hostname
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "domain": host, "path": "/"}
            for name, morsel in client.cookies.items()
        ]
    )
    return context


# --- Layout that holds still (issue 19): a runaway chart, a wrapped button ---------------------

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


def later_heights(tab) -> list[list[float]]:
    """Two more samples of every element's height, 1.2 s apart, for the pages scripts draw into."""
    samples = []
    for _ in range(2):
        tab.wait_for_timeout(1200)
        samples.append(tab.evaluate(HEIGHTS))
    return samples
