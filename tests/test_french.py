"""French is complete and Québec-formatted, and every message follows its reader's language.

- The French catalogue has no untranslated, fuzzy or obsolete entry, and keeps every placeholder.
- Times, dates and numbers read the Québec way: 14 h 30, 24 novembre 2026, 1 234,5.
- The confirmation email and its .ics SUMMARY, the reminder, the CSV headers and the error
  messages (a page under /en/, the API with Accept-Language) are in the reader's language.
"""

import csv
import io
import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import icalendar
import polib
import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext

from appointments import reminders
from appointments.models import Reminder
from tests.booking_helpers import TZ, book

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("fr*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
NBSP = "\xa0"


def french(message: str) -> str:
    with translation.override("fr-ca"):
        return gettext(message)


def english(message: str) -> str:
    with translation.override("en"):
        return gettext(message)


# --- The catalogue ----------------------------------------------------------------------------


def test_there_is_a_french_catalogue():
    assert Path(settings.BASE_DIR, "locale/fr_CA/LC_MESSAGES/django.po") in CATALOGUES, CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_every_french_message_is_translated(path):
    catalogue = polib.pofile(str(path))
    problems = [f"untranslated: {e.msgid!r} ({e.occurrences[:1]})" for e in catalogue.untranslated_entries()]
    problems += [f"fuzzy: {e.msgid!r} ({e.occurrences[:1]})" for e in catalogue.fuzzy_entries()]
    # Obsolete (#~) entries are texts the code no longer uses: `make makemessages` drops them.
    problems += [f"obsolete: {e.msgid!r}" for e in catalogue.obsolete_entries()]
    assert not problems, f"{path.name}: {len(problems)} problem(s)\n" + "\n".join(problems[:50])


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_translations_keep_every_placeholder(path):
    """A lost %(name)s prints nothing (or raises); a misspelt one raises KeyError at run time."""
    wrong = []
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translated in pairs:
            expected = set(PLACEHOLDER.findall(source))
            if set(PLACEHOLDER.findall(translated)) - expected or (
                # A plural form may leave the count out ("Une demande" for 1): names only.
                not entry.msgid_plural and expected - set(PLACEHOLDER.findall(translated))
            ):
                wrong.append(f"{source!r} → {translated!r}")
    assert not wrong, "\n".join(wrong)


# --- Québec formats ---------------------------------------------------------------------------


def render(template: str, **context) -> str:
    with translation.override("fr-ca"):
        return Template("{% load l10n %}" + template).render(Context(context))


def test_times_read_the_quebec_way():
    assert render('{{ at|time:"TIME_FORMAT" }}', at=time(14, 30)) == "14 h 30"
    assert render('{{ at|time:"TIME_FORMAT" }}', at=time(9, 5)) == "9 h 05"
    with translation.override("fr-ca"):
        assert formats.time_format(time(14, 30)) == "14 h 30"
        assert formats.localize_input(time(14, 30)) == "14:30"  # <input type="time"> wants ISO


def test_dates_read_the_quebec_way():
    assert render('{{ day|date:"DATE_FORMAT" }}', day=date(2026, 11, 24)) == "24 novembre 2026"
    assert render("{{ day|date }}", day=date(2026, 11, 1)) == "1er novembre 2026"
    aware = datetime(2026, 11, 24, 14, 30, tzinfo=TZ)
    assert render('{{ at|date:"DATETIME_FORMAT" }}', at=aware) == "24 novembre 2026, 14 h 30"
    assert render('{{ at|date:"SHORT_DATE_FORMAT" }}', at=aware) == "2026-11-24"


def test_numbers_read_the_quebec_way():
    # A non-breaking space groups the thousands (OQLF), a comma marks the decimals.
    assert render('{{ n|floatformat:"1g" }}', n=1234.5) == f"1{NBSP}234,5"
    assert render('{{ n|floatformat:"0g" }}', n=1234567) == f"1{NBSP}234{NBSP}567"
    assert render("{{ n|floatformat:1 }}", n=Decimal("2.25")) == "2,3"
    with translation.override("fr-ca"):
        assert formats.number_format(1234.5, decimal_pos=1, force_grouping=True) == f"1{NBSP}234,5"
        assert formats.number_format(Decimal("0.5"), decimal_pos=1) == "0,5"


def test_english_keeps_its_own_formats():
    with translation.override("en"):
        assert formats.number_format(1234.5, decimal_pos=1, force_grouping=True) == "1,234.5"
        assert formats.date_format(date(2026, 11, 24)) == "November 24, 2026"


# --- Every message in its reader's language ---------------------------------------------------


def book_for(network, employer, *, language: str):
    employer.language = language
    employer.save(update_fields=["language"])
    return book(network, employer)


def summary_of(message) -> str:
    (ics,) = [content for name, content, _mimetype in message.attachments if name.endswith(".ics")]
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return str(event["SUMMARY"])


@pytest.mark.parametrize(
    ("language", "topic_field", "words", "when"),
    [
        ("en", "name_en", english, "November 24, 2026, 10:30 a.m."),
        ("fr-ca", "name_fr", french, "24 novembre 2026, 10 h 30"),
    ],
)
def test_emails_and_calendar_files_follow_the_employer(
    frozen_now, bookable, employer_a, commits_at_once, language, topic_field, words, when
):
    # The request that books is in the other language: the email must not follow it.
    other = "fr-ca" if language == "en" else "en"
    with translation.override(other):
        appointment = book_for(bookable, employer_a, language=language)
    topic = getattr(bookable.topic, topic_field)

    (confirmation,) = mail.outbox
    assert confirmation.subject == f"{words('Appointment confirmed')} – {when} – {appointment.reference}"
    assert words("Your consultation with a regional immigration adviser is confirmed.") in confirmation.body
    assert summary_of(confirmation) == words("Consultation: %(topic)s (%(organisation)s)") % {
        "topic": topic,
        "organisation": settings.ORGANISATION["acronym"],
    }

    reminder = Reminder.objects.filter(appointment=appointment).earliest("scheduled_at")
    with translation.override(other):
        message = reminders.reminder_email(reminder)
    assert message.subject.startswith(words("Reminder: consultation on %(when)s") % {"when": ""})
    assert when in message.subject
    assert (
        words("This is a reminder of your consultation with a regional immigration adviser.") in message.text
    )
    assert topic in message.text


def test_the_appointments_export_follows_the_page_language(
    bookable, employer_a, manager, client_for, frozen_now
):
    client = client_for(manager)
    headers = {}
    for language in ("en", "fr-ca"):
        with translation.override(language):
            url = reverse(
                "midi_regions:export_appointments", kwargs={"code": manager.managed_directorate.code}
            )
        response = client.get(url)
        assert response.status_code == 200
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        # Excel in French reads semicolons, in English commas (dashboards.export_views).
        separator = ";" if language == "fr-ca" else ","
        headers[language] = next(csv.reader(io.StringIO(content), delimiter=separator))
    assert url.startswith("/") and not url.startswith("/en/")
    assert headers["en"][:3] == ["Identifier", "Starts at", "Ends at"]
    assert headers["fr-ca"][:3] == ["Identifiant", "Début", "Fin"]


def test_form_errors_follow_the_page_language(bookable, employer_a, client_for):
    client = client_for(employer_a)
    for language, required in (("en", "This field is required."), ("fr-ca", "Ce champ est obligatoire.")):
        with translation.override(language):
            url = reverse("appointments:book")
        response = client.get(url, {"municipality": bookable.municipality_a.name})
        assert response.status_code == 400
        page = response.content.decode()
        assert required in page
        assert f'<html lang="{"en" if language == "en" else "fr-CA"}">' in page


def test_api_errors_follow_accept_language(bookable, employer_a):
    from tests.clients import bearer, post

    api = bearer(employer_a)
    url = reverse("api:appointment-list")
    english_answer = post(api, url, {}, HTTP_ACCEPT_LANGUAGE="en").json()
    french_answer = post(api, url, {}, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9").json()
    assert "This field is required." in str(english_answer), english_answer
    assert "Ce champ est obligatoire." in str(french_answer), french_answer
