"""What the page-wide browser scans share: who is scanned, at which sizes, and the scripts that
measure a page (test_every_page.py: axe-core and the 360 px fit; test_layout_is_stable.py: growth,
wrapped buttons and the 360 px fit)."""

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
