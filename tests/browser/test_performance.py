"""The booking page is fast on loopback: Largest Contentful Paint under 1 s, and under 100 kB of
JavaScript, compressed, the way WhiteNoise serves it in production (collectstatic writes .gz and
.br next to each file; tests/conftest.py runs collectstatic).

The figures are printed (`pytest -s`) as one parseable line: `PERF lcp_ms=… js_kb=…`.
"""

from urllib.parse import urlsplit

from django.conf import settings

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from tests.browser.helpers import fr, log_in
from tests.browser.test_booking_journey import employer as employer  # noqa: PLC0414 (fixtures)
from tests.browser.test_booking_journey import open_network as open_network  # noqa: PLC0414

LCP_BUDGET_MS = 1000
JS_BUDGET_KB = 100

LARGEST_CONTENTFUL_PAINT = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    resolve(entries[entries.length - 1].startTime);
  }).observe({type: "largest-contentful-paint", buffered: true});
})"""

SCRIPTS = """() => performance.getEntriesByType("resource")
  .filter((entry) => entry.initiatorType === "script")
  .map((entry) => ({url: entry.name, encoded: entry.encodedBodySize, decoded: entry.decodedBodySize}))"""


def test_booking_page_is_fast_and_light(page, browser_context, employer, live_url):
    user, _network = employer
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    page.goto("/")
    log_in(page, nav, user)
    page.goto("/")  # a first visit of the booking page fills the page cache: measure the usual one
    nav.get_by_role("link", name=fr("Book a consultation")).click()
    booking_url = page.url

    # A fresh tab, as when the employer opens the page: nothing in memory but the HTTP cache.
    fresh = browser_context.new_page()
    fresh.set_extra_http_headers({"Cache-Control": "no-cache"})
    fresh.goto(booking_url, wait_until="load")
    expect(fresh.get_by_role("heading", level=1)).to_have_text(fr("Book a consultation"))
    lcp_ms = fresh.evaluate(LARGEST_CONTENTFUL_PAINT)

    scripts = fresh.evaluate(SCRIPTS)
    assert scripts, "the booking page loads no script: the measure would prove nothing"
    static = [s for s in scripts if urlsplit(s["url"]).path.startswith(settings.STATIC_URL)]
    assert static == scripts, f"scripts from elsewhere than {settings.STATIC_URL}: {scripts}"
    # Compressed on the wire: WhiteNoise answered with the .br/.gz file for Accept-Encoding.
    assert all(0 < s["encoded"] < s["decoded"] for s in scripts), scripts
    js_kb = sum(s["encoded"] for s in scripts) / 1024
    fresh.close()

    line = f"PERF lcp_ms={lcp_ms:.0f} js_kb={js_kb:.1f}"
    print(f"\n{line} ({', '.join(urlsplit(s['url']).path for s in scripts)})")
    assert lcp_ms < LCP_BUDGET_MS, line
    assert js_kb < JS_BUDGET_KB, line
    browser_context.problems.assert_clean()
