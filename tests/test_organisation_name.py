"""The ministry is named as it is called today, from settings.ORGANISATION, on every page and in
every email; the name it had until 2019 (Ministère de l'Immigration, de la Diversité et de
l'Inclusion, MIDI) appears nowhere a person reads. Pages: checked with their HTML in
tests/test_html_valid.py; emails: tests/test_emails.py."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from agenda import feed
from appointments.notifications import ics_for
from tests.booking_helpers import book
from tests.pages import LANGUAGES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

# "midi" is also French for noon: only the acronym, in capitals, and the old name's words.
OLD_NAME = re.compile(r"Diversité|Diversity|\bMIDI\b")


def current_name(language: str) -> str:
    return settings.ORGANISATION["name_en" if language == "en" else "name_fr"]


def organisation_name_problems(html: bytes, language: str) -> list[str]:
    """The old name anywhere on a page, or the current one missing. Every page of every person is
    checked in the same pass that parses it (tests/test_html_valid.py)."""
    text = html.decode()
    problems = [f"shows the old name {sorted(set(found))}" for found in [OLD_NAME.findall(text)] if found]
    if current_name(language) not in text.replace("&#x27;", "'"):
        problems.append(f"without {current_name(language)!r}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_calendar_files_name_the_current_ministry(bookable, employer_a, client, language):
    advisor = bookable.advisor_a
    advisor.user.language = language
    advisor.user.save(update_fields=["language"])
    appointment = book(bookable, employer_a)
    feed_text = client.get(reverse("advisor_feed", kwargs={"token": feed.ensure_feed_token(advisor)})).content
    for content in (feed_text, ics_for(appointment)):
        text = content.decode()
        assert not OLD_NAME.search(text), text
        assert f"-//{settings.ORGANISATION['acronym']}//" in text
