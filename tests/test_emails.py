"""Every email the service sends, in French and in English, reads right in a mail client.

Each `<name>_subject.txt` under templates/ is rendered through core.emails.build_email (as its
sender does) with names that carry an apostrophe — a topic "Programmes d'immigration permanente",
a company "Boulangerie l'Épi d'or inc." — in both languages:

- the subject is plain text: no HTML entity (`d&#x27;immigration`), no markup, one line;
- the French message has no English sentence left in it;
- there is a text part and an HTML part;
- an .ics attachment, where the sender adds one, parses (icalendar and vobject);
- the confirmation and the reminder name the appointment's reference in their subject.

A new email template without a context here fails: its name is not in CONTEXTS.
"""

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import icalendar
import pytest
import time_machine
import vobject
from django.conf import settings
from django.core import mail
from django.utils import translation

from appointments import notifications, reminders
from appointments.models import Reminder
from core.emails import build_email
from tests.booking_helpers import NOW, book
from tests.test_organisation_name import OLD_NAME

TEMPLATES = Path(settings.BASE_DIR, "templates")
EMAILS = sorted(
    (path.parent.relative_to(TEMPLATES).as_posix() + "/", path.name.removesuffix("_subject.txt"))
    for path in TEMPLATES.glob("*/email/*_subject.txt")
    # The reminder is rendered by appointments.reminders from plain strings: the last test sends it.
    if path.name != "reminder_subject.txt"
    # allauth's emails (<name>_message.txt) are sent through its flows by
    # accounts/tests/test_account_wording.py, with these same checks.
    and path.parent.parent.name not in ("account", "mfa")
)
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
# Words of an English sentence that no French text of ours contains.
ENGLISH = re.compile(r"\b(the|your|you|with|has been|appointment|request|reminder|please)\b", re.IGNORECASE)
TOPIC_FR, TOPIC_EN = "Programmes d'immigration permanente", "Permanent immigration programs"
COMPANY = "Boulangerie l'Épi d'or inc."


def named_and_booked(bookable, employer_a):
    """An appointment on a topic and for a company whose names have apostrophes."""
    bookable.topic.name_fr, bookable.topic.name_en = TOPIC_FR, TOPIC_EN
    bookable.topic.save()
    company = employer_a.employer_profile.company
    company.legal_name = COMPANY
    company.save()
    with time_machine.travel(NOW, tick=False):
        return book(bookable, employer_a)


@pytest.fixture
def appointment(bookable, employer_a, commits_at_once):
    return named_and_booked(bookable, employer_a)


def contexts(appointment, language: str) -> dict[str, dict]:
    """What each email's sender gives its templates (the same names, made-up values)."""
    user = appointment.booked_by
    request = SimpleNamespace(topic=appointment.topic, company=appointment.company, uid="abc")
    hold = SimpleNamespace(
        expires_at=appointment.starts_at - timedelta(days=1),
        starts_at=appointment.starts_at,
        entry=SimpleNamespace(topic=appointment.topic),
        time_zone="America/Toronto",
    )
    # A company file (company_files.notifications): the program's name is data, in French here.
    company_file = SimpleNamespace(
        program=SimpleNamespace(name="Travailleurs étrangers temporaires"), company=appointment.company
    )
    file_entry = SimpleNamespace(
        body="Merci d'envoyer le contrat signé.",
        to_stage=SimpleNamespace(name="Documents demandés"),
        actor=user,
        kind="doc_rejected",
        upload=SimpleNamespace(name="Contrat de travail signé.pdf"),
    )
    common = {
        "user": user,
        "language": language,
        "site_url": "https://rdv.example",
        "link": "https://rdv.example/l",
    }
    return {
        "invitation": {
            **common,
            "invitation": SimpleNamespace(email="b@example.com", expires_at=appointment.starts_at),
            "company": appointment.company,
            "inviter": user,
        },
        "appointment": {
            **common,
            "appointment": appointment,
            "event": "confirmed",
            "subject": notifications.EVENTS["confirmed"][0],
            "headline": notifications.EVENTS["confirmed"][1],
            "changeable": True,
            "location": appointment.company.legal_name,
            "manage_url": "https://rdv.example/m",
        },
        "appointment_reassigned_advisor": {
            **common,
            "appointment": appointment,
            "taken_over": True,
            "reason": "Congé",
            "location": appointment.company.legal_name,
        },
        "request_assigned": {**common, "request": request, "decision": None, "escalated": False},
        "request_escalated": {**common, "request": request, "decision": None, "escalated": True},
        "request_proposed": {
            **common,
            "request": request,
            "proposals": [
                SimpleNamespace(
                    starts_at=appointment.starts_at,
                    time_zone="America/Toronto",
                    advisor=appointment.advisor,
                    service_point=appointment.service_point,
                )
            ],
            "url": "u",
        },
        "request_reassigned_employer": {**common, "request": request, "advisor": appointment.advisor},
        "request_reassigned_previous": {**common, "request": request, "advisor": appointment.advisor},
        "account_closed": {
            **common,
            "email": user.email,
            "first_name": "Zoé",
            "cancelled": 1,
            "withdrawn": 1,
        },
        "waitlist_offer": {**common, "hold": hold, "url": "u", "time": "10 h 30"},
        "number_refused": {**common, "number_end": "••• ••• 0101"},  # sms.notifications
        "survey": {
            **common,
            "appointment": appointment,
            "day": appointment.starts_at,
            "survey_url": "https://rdv.example/s",
            "reminder": False,
        },
        # A group session's news (group_sessions.emails), here its confirmation.
        "notice": {
            **common,
            "kind": "confirmed",
            "session": SimpleNamespace(
                topic=appointment.topic,
                advisor=appointment.advisor,
                starts_at=appointment.starts_at,
                ends_at=appointment.ends_at,
                language=SimpleNamespace(name="français"),
                materials_url="https://rdv.example/documents/guide.pdf",
            ),
            "registration": SimpleNamespace(seats=2, company=appointment.company),
            "name": "Zoé Tremblay",
            "place": "Services Québec de Trois-Rivières, 100, rue Laviolette",
            "join_url": "",
            "manage_url": "https://rdv.example/g",
            "message": None,
        },
        # Referrals (referrals.notifications): the partner's status news, the contact's claim link.
        **{
            name: {
                **common,
                "referral": SimpleNamespace(
                    company=appointment.company,
                    organisation=SimpleNamespace(name="Services Québec"),
                ),
                "status": "Rencontre tenue",
            }
            for name in ("referral_status", "claim_account")
        },
        "sync_trouble": {
            **common,
            "source": SimpleNamespace(name="Outlook", host="outlook.office365.com", consecutive_failures=3),
            "kind": "failing",
            "error": "Le serveur a répondu 500.",
        },
        "endpoint_disabled": {
            **common,
            "endpoint": SimpleNamespace(
                name="Services Québec",
                url="https://partenaire.example/crochets",
                deliveries=SimpleNamespace(last=SimpleNamespace(last_error="HTTP 500")),
            ),
        },
        **{
            name: {**common, "file": company_file, "entry": file_entry}
            for name in (
                "stage_changed",
                "message_for_employer",
                "message_for_adviser",
                "document_reviewed",
                "document_infected",
            )
        },
    }


def problems_of(message, language: str) -> list[str]:
    found = []
    if ENTITY.search(message.subject) or "<" in message.subject or "\n" in message.subject:
        found.append(f"subject not plain text: {message.subject!r}")
    html = [content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"]
    if not message.body.strip():
        found.append("no text part")
    if len(html) != 1:
        found.append(f"{len(html)} HTML parts")
    for where, text in (("subject", message.subject), ("text", message.body), ("HTML", "".join(html))):
        if old := OLD_NAME.findall(text):
            found.append(f"the ministry's old name in the {where}: {sorted(set(old))}")
    if language == "fr-ca":
        for where, text in (("subject", message.subject), ("text", message.body)):
            text = text.replace(TOPIC_EN, "")  # the topic's English name is data, not wording
            if words := ENGLISH.findall(text):
                found.append(f"English in the French {where}: {sorted(set(words))}")
    for name, content, _mimetype in message.attachments:
        if name.endswith(".ics"):
            text = content.decode() if isinstance(content, bytes) else content
            try:
                icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
                vobject.readOne(text).vevent.dtstart.value  # noqa: B018 (reading it is the check)
            except Exception as error:  # noqa: BLE001 (any parse failure is the finding)
                found.append(f"{name} does not parse: {error}")
    return found


def test_every_email_template_has_a_context_here(appointment):
    assert {name for _folder, name in EMAILS} == set(contexts(appointment, "en")), EMAILS


@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_every_email_reads_right_in_a_mail_client(appointment, language):
    wrong = []
    with translation.override(language):
        for folder, name in EMAILS:
            context = contexts(appointment, language)[name]
            message = build_email(name, context, to=["x@example.com"], folder=folder)
            wrong += [f"{folder}{name} ({language}): {problem}" for problem in problems_of(message, language)]
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_the_confirmation_and_the_reminder_as_sent_read_right(
    bookable, employer_a, commits_at_once, language
):
    """The real senders: the confirmation (with its .ics) and a reminder (rendered apart)."""
    employer_a.language = language
    employer_a.save(update_fields=["language"])
    appointment = named_and_booked(bookable, employer_a)
    (confirmation,) = mail.outbox
    wrong = problems_of(confirmation, language)
    assert [a for a in confirmation.attachments if a[0].endswith(".ics")], "no .ics attached"
    reminder = Reminder.objects.filter(appointment=appointment).earliest("scheduled_at")
    sent = reminders.reminder_message(reminder)
    wrong += problems_of(sent, language)
    assert wrong == [], "\n".join(wrong)
    for message in (confirmation, sent):
        assert message.subject.endswith(f" – {appointment.reference}"), message.subject
        assert appointment.reference in message.body
