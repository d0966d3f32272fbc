"""Forms sent wrong, in Chromium: the page that comes back with the errors passes axe-core (WCAG
2.1 A/AA) at 1280 and 360 px, marks each wrong field `aria-invalid`, ties it to its message with
`aria-describedby` (every id it names exists), and says so in an alert or next to the field.

test_every_page.py scans every page as it first loads; the error states only exist after a
submission, so the forms are listed here, one per kind of page: allauth's sign-up, the company
profile, booking's first step, a consultation request, an API token, an adviser's weekly hours
(sent by htmx, the errors swapped in) and the manager's dashboard filters (a GET form: its answer
to impossible dates). The others are sent with their text, date and time fields emptied (and,
where the browser would stop that, with values only the server refuses).
"""

from dataclasses import dataclass

import pytest

from tests.browser.scans import PHONE, signed_in_context
from tests.browser.test_every_page import axe_violations
from tests.pages import signed_in_client


@dataclass(frozen=True)
class BadForm:
    person: str
    url_name: str
    field: str  # a field of the form, to find it on the page
    kwargs_builder: str | None = None
    query: str = ""  # a GET form: its answer to this query string, as after sending it
    fill: tuple[tuple[str, str], ...] = ()  # wrong values the browser lets through, as (name, value)


FORMS = [
    # Its fields are `required` (the browser stops an empty form): values only the server refuses.
    BadForm(
        "anonymous",
        "account_signup",
        "email",
        fill=(("email", "x@y"), ("password1", "1234567890"), ("password2", "0987654321")),
    ),
    BadForm("employer_a", "accounts:profile", "legal_name"),
    BadForm("employer_a", "appointments:book", "municipality"),
    BadForm("employer_a", "appointments:request_new", "message"),
    BadForm("employer_a", "accounts:api_tokens", "name"),
    BadForm("advisor", "advisors:availability", "block-start_time"),
    BadForm("manager", "midi_regions:dashboard", "start", "directorate", "?start=2026-02-31&end=soon"),
]

# What a wrong field must carry, checked in the page: the ids aria-describedby names exist and one
# of them holds text; a form-wide message, if any, is an alert.
WRONG_FIELDS = """() => {
  const wrong = [...document.querySelectorAll("[aria-invalid='true']")];
  const problems = [];
  for (const el of wrong) {
    // A radio or checkbox group is described on its fieldset.
    const group = el.closest("fieldset[aria-describedby]");
    const described = el.hasAttribute("aria-describedby") ? el : group || el;
    const ids = (described.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    const found = ids.map((id) => document.getElementById(id));
    if (!ids.length) problems.push(`${el.name}: no aria-describedby`);
    else if (found.some((node) => !node)) problems.push(`${el.name}: aria-describedby names a missing id`);
    else if (!found.some((node) => node.textContent.trim())) problems.push(`${el.name}: empty description`);
  }
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(`${el.name || el.tagName}: #${id} is missing`);
    }
  }
  return {wrong: wrong.length, problems};
}"""


def empty_and_send(tab, form_field: str, fill) -> None:
    form = tab.locator(f"main form:has([name='{form_field}'])").first
    for box in form.locator(
        "input[type=text], input[type=email], input[type=date], input[type=time], input[type=tel], "
        "input[type=password], input:not([type]), textarea"
    ).all():
        if box.is_visible() and box.is_editable():
            box.fill("")
    for name, value in fill:
        form.locator(f"[name='{name}']").fill(value)
    form.locator("button[type=submit], button:not([type])").last.click()
    # The answer (a new page, or the part htmx swaps in) marks the wrong fields: until then, wait.
    tab.locator("[aria-invalid='true']").first.wait_for(state="attached")
    tab.wait_for_load_state("load")


@pytest.mark.parametrize("bad", FORMS, ids=lambda bad: bad.url_name)
def test_a_form_sent_wrong_comes_back_accessible(
    bad, ticking_now, transactional_db, live_url, browser, world
):
    from django.urls import reverse

    args, query, _people = world
    client = signed_in_client(bad.person, world)
    context = signed_in_context(browser, live_url, client)
    try:
        tab = context.new_page()
        url = reverse(bad.url_name, kwargs=args.get(bad.kwargs_builder))
        if bad.query:
            tab.goto(url + bad.query)
        else:
            tab.goto(url + query.get(bad.kwargs_builder, ""))
            empty_and_send(tab, bad.field, bad.fill)
        found = tab.evaluate(WRONG_FIELDS)
        assert found["wrong"] >= 1, "no field marked aria-invalid"
        problems = found["problems"] + axe_violations(tab, "1280 px")
        tab.set_viewport_size(PHONE)
        tab.wait_for_timeout(50)
        problems += axe_violations(tab, "360 px")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
