"""Every HTML page of the site, per person and language: the list the page-wide checks walk.

The list is derived, never written by hand. Our URL names come from the authorization matrix
(tests/test_authorization_matrix.py, itself checked against the URL configuration): a name whose
expected GET status is 200 for a person is a page that person sees. allauth's URL names (sign-in,
sign-up, password, email and two-factor pages, restyled by templates/allauth/) are walked from the
resolver: those GET-able without parameters. Each candidate is then fetched once with the Django
test client, and only a 200 whose Content-Type is text/html is a page: the JSON API, CSV exports,
ICS feeds, /metrics and the health checks drop out by their answer, so a new page is checked
without anyone adding it here. The 404 and 403 pages a person meets are pages too.

`world` is the fixture of tests/conftest.py (URL kwargs and query strings by builder name, and
the eight people); a page is reversed inside `translation.override(language)`, so English pages
carry the /en/ prefix.
"""

import time
from dataclasses import dataclass

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from tests.test_authorization_matrix import MATRIX, PEOPLE

AUTHENTICATION_METHODS_USER_SESSION_KEY = "account_authentication_methods_user"  # allauth's, private
LANGUAGES = ("fr-ca", "en")


@dataclass(frozen=True)
class Page:
    name: str  # the URL name, or "404 page" / "403 page"
    url: str  # path and query string
    status: int = 200

    def __str__(self):
        return f"{self.name} ({self.url})"


def role(person: str) -> str:
    """employer_a and employer_b are both employers, advisor and other_advisor advisers, etc."""
    return person.removeprefix("other_").removesuffix("_a").removesuffix("_b")


def allauth_url_names() -> list[str]:
    """allauth's named URLs that take no parameter (the emailed key links do: not listed)."""
    names = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif (
                pattern.name
                and pattern.callback.__module__.startswith("allauth")
                and pattern.pattern.regex.groups == 0
            ):
                names.append(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def candidate_urls(person: str, world, language: str) -> list[Page]:
    """The URLs that may be pages for `person`: the matrix's 200s, allauth's names, then the error
    pages this person meets (templates/404.html and 403.html: the matrix's first such URL)."""
    args, query, _people = world
    column = PEOPLE.index(person)

    def url(name, builder):
        return reverse(name, kwargs=args.get(builder)) + query.get(builder, "")

    with translation.override(language):
        pages = [
            Page(name, url(name, builder))
            for name, (builder, statuses) in MATRIX.items()
            if statuses[column] == 200
        ]
        pages += [Page(name, reverse(name)) for name in allauth_url_names()]
        for error in (404, 403):
            pages += [
                Page(f"{error} page", url(name, builder), error)
                for name, (builder, statuses) in MATRIX.items()
                if statuses[column] == error
            ][:1]
    return pages


def signed_in_client(person: str, world) -> Client:
    """A client with `person`'s session; the password was just typed (allauth's record of it), so
    the pages behind a recent authentication (two-factor set-up) show instead of asking again.
    Gives the person a verified email address if they have none."""
    _args, _query, people = world
    client = Client()
    user = people[person]
    if user is not None:
        # A verified address, as after sign-up: allauth offers two-factor set-up only then.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        client.force_login(user)
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "email": user.email}
        ]
        session[AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session.save()
    return client


def is_html_page(response, page: Page) -> bool:
    return response.status_code == page.status and response.get("Content-Type", "").startswith("text/html")


def html_pages(client: Client, person: str, world, language: str) -> list[tuple[Page, bytes]]:
    """The pages `person` sees in `language`, each with the HTML the server answered."""
    found = []
    for page in candidate_urls(person, world, language):
        response = client.get(page.url)
        if is_html_page(response, page):
            found.append((page, response.content))
    return found


def pages_by_person(world, language: str) -> dict[str, list[Page]]:
    """Every person's pages in `language` (a fresh signed-in client each)."""
    return {
        person: [page for page, _html in html_pages(signed_in_client(person, world), person, world, language)]
        for person in PEOPLE
    }
