"""The ministry is named as it is called today, from settings.ORGANISATION, on every page and in
every email; the name it had until 2019 (Ministère de l'Immigration, de la Diversité et de
l'Inclusion, MIDI) appears nowhere a person reads. Emails: tests/test_emails.py."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from agenda import feed
from appointments.notifications import ics_for
from tests.booking_helpers import book
from tests.pages import LANGUAGES, html_pages, signed_in_client
from tests.test_authorization_matrix import PEOPLE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

# "midi" is also French for noon: only the acronym, in capitals, and the old name's words.
OLD_NAME = re.compile(r"Diversité|Diversity|\bMIDI\b")


def current_name(language: str) -> str:
    return settings.ORGANISATION["name_en" if language == "en" else "name_fr"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_shows_the_old_name_and_every_page_the_current_one(world, language):
    wrong = []
    for person in PEOPLE:
        client = signed_in_client(person, world)
        for page, html in html_pages(client, person, world, language):
            text = html.decode()
            if found := OLD_NAME.findall(text):
                wrong.append(f"{person} {page}: {sorted(set(found))}")
            if current_name(language) not in text.replace("&#x27;", "'"):
                wrong.append(f"{person} {page}: without {current_name(language)!r}")
    assert wrong == [], "\n".join(wrong[:40])


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
