"""The pages of group sessions through the every-page checks (axe at 1280 and 360 px, nothing
growing, no wrapped button, no sideways scroll, one h1, their own titles), per role and language:
the same checks as test_every_page.py, on this app's pages only, so they can be run alone."""

import pytest

from tests.browser.scans import ROLES, signed_in_context
from tests.browser.test_every_page import check_page
from tests.pages import LANGUAGES, html_pages, signed_in_client
from tests.test_html_valid import duplicate_titles


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_group_session_pages_pass_the_page_checks(
    language, ticking_now, transactional_db, live_url, browser, world
):
    wrong = []
    for people in ROLES.values():
        checked = set()
        for person in people:
            client = signed_in_client(person, world)
            context = signed_in_context(browser, live_url, client)
            try:
                tab = context.new_page()
                titles = {}
                pages = [p for p, _html in html_pages(client, person, world, language)]
                for page in pages:
                    if not page.name.startswith("group_sessions:") or page.name in checked:
                        continue
                    checked.add(page.name)
                    problems, title = check_page(tab, page, thorough=True)
                    titles.setdefault(title, set()).add(page.name)
                    wrong += [f"{person} {language} {page}: {problem}" for problem in problems]
                wrong += [f"{person} {language}: {d}" for d in duplicate_titles(titles)]
            finally:
                context.close()
    assert wrong == [], "\n".join(wrong)
