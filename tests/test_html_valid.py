"""The HTML of every page parses without a single error, in French and in English, for each person.

html5lib implements the WHATWG parsing algorithm and records every parse error a strict parser
(`HTMLParser(strict=True)`) would raise on; here all of them are collected, with their position,
rather than the first only. On top of the parse: no two elements share an `id`, one `<h1>`, and a
non-empty `<title>` that no other page of the same person and language has; the ministry named as
it is called today (tests/test_organisation_name.py).

The page list is tests/pages.py's (the authorization matrix's 200s and allauth's pages, kept when
they answer text/html). The browser-side checks (axe-core, 360 px) are in
tests/browser/test_every_page.py.
"""

from collections import Counter, defaultdict

import html5lib
import pytest

from tests.pages import LANGUAGES, html_pages, signed_in_client
from tests.test_authorization_matrix import PEOPLE
from tests.test_organisation_name import organisation_name_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

XHTML = "{http://www.w3.org/1999/xhtml}"

# Distinct URL names allowed to share a title, with the reason.
SAME_PAGE = {
    # The signed link shows the appointment page to whoever holds it (no sign-in needed).
    frozenset({"appointments:detail", "appointments:manage"}),
    frozenset({"appointments:reschedule", "appointments:manage_reschedule"}),
    frozenset({"appointments:reschedule_confirm", "appointments:manage_reschedule_confirm"}),
    frozenset({"appointments:cancel", "appointments:manage_cancel"}),
}


def problems_of(html: bytes) -> tuple[list[str], str]:
    """(problems, title) of one page."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=True)
    tree = parser.parse(html)
    problems = []
    lines = html.decode().splitlines()
    for (line, column), code, data in parser.errors:
        source = lines[line - 1].strip()[:160] if 0 < line <= len(lines) else ""
        problems.append(f"parse error {code} {data or ''} at {line}:{column}: {source}")
    ids = Counter(el.get("id") for el in tree.iter() if el.get("id") is not None)
    problems += [f"id {name!r} used {count} times" for name, count in ids.items() if count > 1]
    h1s = list(tree.iter(f"{XHTML}h1"))
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} <h1> elements")
    titles = list(tree.iter(f"{XHTML}title"))
    title = " ".join("".join(titles[0].itertext()).split()) if titles else ""
    if len(titles) != 1 or not title:
        problems.append(f"{len(titles)} <title> elements, text {title!r}")
    return problems, title


def duplicate_titles(titles: dict[str, set[str]]) -> list[str]:
    """Titles shared by distinct pages, unless SAME_PAGE says they are one page."""
    return [
        f"{title!r} is the title of {sorted(names)}"
        for title, names in titles.items()
        if len(names) > 1 and frozenset(names) not in SAME_PAGE
    ]


@pytest.mark.long(35)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_valid_html_with_one_h1_a_unique_title_and_the_ministrys_name(world, language):
    wrong = []
    for person in PEOPLE:
        pages = html_pages(signed_in_client(person, world), person, world, language)
        assert pages, f"no page for {person}"
        titles = defaultdict(set)
        for page, html in pages:
            problems, title = problems_of(html)
            problems += organisation_name_problems(html, language)
            titles[title].add(page.name)
            wrong += [f"{person} {page}: {problem}" for problem in problems]
        wrong += [f"{person}: {duplicate}" for duplicate in duplicate_titles(titles)]
    assert wrong == [], "\n".join(wrong)
