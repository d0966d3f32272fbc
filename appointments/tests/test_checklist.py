"""The preparation checklist: documents listed per topic (admin), ticked by the employer when
booking or later, shown to the adviser as "not ready", repeated by the 24 h reminder, in the API."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from appointments import checklist, links, reminders, services
from appointments.checklist import ChecklistError, tick_checklist
from appointments.models import Appointment, ChecklistItem, ChecklistTick, Mode, Reminder
from tests import factories
from tests.booking_helpers import book, confirm_url, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def items(bookable):
    """The topic's checklist: three documents, in order."""
    names = [
        ("Liste des postes à pourvoir", "List of the jobs to fill"),
        ("Numéro d'entreprise du Québec", "Québec enterprise number"),
        ("Étude d'impact sur le marché du travail", "Labour market impact assessment"),
    ]
    return [
        ChecklistItem.objects.create(topic=bookable.topic, name_fr=fr, name_en=en, position=n)
        for n, (fr, en) in enumerate(names)
    ]


@pytest.fixture
def appointment(bookable, employer_a, items):
    return book(bookable, employer_a)


def ticked(appointment):
    return set(ChecklistTick.objects.filter(appointment=appointment).values_list("item_id", flat=True))


# --- Admin ---------------------------------------------------------------------------------------


def test_the_topic_admin_edits_the_checklist_inline(client_for, administrator, bookable, items):
    client = client_for(administrator)
    response = client.get(reverse("admin:appointments_topic_change", args=[bookable.topic.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="checklist_items-TOTAL_FORMS"' in page
    assert "Liste des postes à pourvoir" in page and "Labour market impact assessment" in page


# --- The service ---------------------------------------------------------------------------------


def test_ticks_are_set_to_exactly_the_given_items(appointment, employer_a, items):
    assert tick_checklist(appointment=appointment, item_ids=[items[0].pk, items[2].pk], by=employer_a)
    assert ticked(appointment) == {items[0].pk, items[2].pk}
    tick_checklist(appointment=appointment, item_ids=[str(items[1].pk), items[2].pk], by=employer_a)
    assert ticked(appointment) == {items[1].pk, items[2].pk}
    tick = ChecklistTick.objects.get(appointment=appointment, item=items[1])
    assert tick.ticked_by == employer_a
    tick_checklist(appointment=appointment, item_ids=[], by=employer_a)
    assert ticked(appointment) == set()


def test_an_item_of_another_topic_is_refused_and_nothing_changes(appointment, employer_a, items):
    other = ChecklistItem.objects.create(topic=factories.TopicFactory(), name_fr="Autre", name_en="Other")
    tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=employer_a)
    for wrong in ([other.pk], [items[1].pk, other.pk], [10**9]):
        with pytest.raises(ChecklistError) as refused:
            tick_checklist(appointment=appointment, item_ids=wrong, by=employer_a)
        assert refused.value.code == checklist.UNKNOWN_ITEM
    assert ticked(appointment) == {items[0].pk}


def test_only_the_companys_representatives_tick(
    appointment, employer_b, advisor, manager, administrator, items
):
    for outsider in (employer_b, advisor, manager, administrator):
        with pytest.raises(ChecklistError) as refused:
            tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=outsider)
        assert refused.value.code == checklist.NOT_YOURS
    assert ticked(appointment) == set()


def test_a_colleague_of_the_same_company_ticks_too(appointment, employer_a, items):
    colleague = factories.EmployerProfileFactory(company=employer_a.employer_profile.company).user
    tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=colleague)
    assert ticked(appointment) == {items[0].pk}


def test_the_signed_link_holder_ticks_without_a_user(appointment, items):
    tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=None)
    assert ChecklistTick.objects.get(appointment=appointment).ticked_by is None


def test_a_cancelled_or_started_appointment_keeps_its_list(appointment, employer_a, items, frozen_now):
    frozen_now.move_to(appointment.starts_at + timedelta(minutes=1))
    with pytest.raises(ChecklistError) as refused:
        tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=employer_a)
    assert refused.value.code == checklist.NOT_CHANGEABLE
    frozen_now.move_to(appointment.starts_at - timedelta(hours=3))
    services.cancel_appointment(appointment=appointment, by=employer_a)
    appointment.refresh_from_db()
    with pytest.raises(ChecklistError):
        tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=employer_a)


# --- Reads ---------------------------------------------------------------------------------------


def test_missing_items_of_many_appointments_cost_one_query(
    bookable, employer_a, employer_b, items, django_assert_num_queries
):
    first = book(bookable, employer_a)
    second = book(bookable, employer_b, tuesday(13, 0))
    plain_topic = factories.TopicFactory(code="no-checklist")
    third = Appointment.objects.create(
        advisor=bookable.advisor_b,
        topic=plain_topic,
        mode=Mode.PHONE,
        company=employer_b.employer_profile.company,
        municipality=bookable.municipality_b,
        starts_at=tuesday(9),
        ends_at=tuesday(10),
    )
    tick_checklist(appointment=first, item_ids=[items[1].pk], by=employer_a)
    with django_assert_num_queries(1):
        missing = checklist.missing_items([first, second, third])
    assert missing == {first.pk: [items[0], items[2]], second.pk: items, third.pk: []}
    with django_assert_num_queries(1):
        lists = checklist.checklists([first, second, third])
    assert [(e.id, e.ready) for e in lists[first.pk]] == [
        (items[0].pk, False),
        (items[1].pk, True),
        (items[2].pk, False),
    ]
    assert lists[third.pk] == []
    counted = dict(
        Appointment.objects.annotate(missing=checklist.missing_count()).values_list("pk", "missing")
    )
    assert counted == {first.pk: 2, second.pk: 3, third.pk: 0}
    assert checklist.missing_items([]) == {}


# --- Booking --------------------------------------------------------------------------------------


def confirm(client, network, at, data=None, **overrides):
    url, params = confirm_url(network, network.advisor_a, at, **overrides)
    if data is None:
        return client.get(url, params)
    form = {"advisor": params["advisor"], "point": params["point"], "at": params["at"], **data}
    return client.post(f"{url}?{urlencode(params)}", form)


def test_the_confirm_page_offers_the_topics_documents(client_for, employer_a, bookable, items):
    response = confirm(client_for(employer_a), bookable, tuesday(10, 30))
    assert response.status_code == 200
    page = response.content.decode()
    for item in items:
        assert item.name_fr in page.replace("&#x27;", "'")
        assert f'value="{item.pk}"' in page


def test_a_topic_without_documents_shows_no_list(client_for, employer_a, bookable):
    response = confirm(client_for(employer_a), bookable, tuesday(10, 30))
    assert response.status_code == 200
    assert 'name="items"' not in response.content.decode()


def test_booking_saves_the_ticked_documents(client_for, employer_a, bookable, items):
    response = confirm(
        client_for(employer_a), bookable, tuesday(10, 30), {"items": [items[0].pk, items[2].pk]}
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert ticked(appointment) == {items[0].pk, items[2].pk}


def test_a_document_of_another_topic_on_the_confirm_form_books_nothing(
    client_for, employer_a, bookable, items
):
    other = ChecklistItem.objects.create(topic=factories.TopicFactory(), name_fr="Autre", name_en="Other")
    response = confirm(
        client_for(employer_a), bookable, tuesday(10, 30), {"items": [other.pk], "message": "Bonjour"}
    )
    assert response.status_code == 400
    assert response.context["checklist_form"].errors["items"]
    assert "Bonjour" in response.content.decode()  # the message typed is kept
    assert not Appointment.objects.exists()
    response = confirm(client_for(employer_a), bookable, tuesday(10, 30), {"items": ["abc"]})
    assert response.status_code == 400


# --- The appointment page -------------------------------------------------------------------------


def test_the_appointment_page_shows_the_list_with_what_is_ticked(client_for, employer_a, appointment, items):
    tick_checklist(appointment=appointment, item_ids=[items[1].pk], by=employer_a)
    response = client_for(employer_a).get(reverse("appointments:detail", args=[appointment.uid]))
    assert response.status_code == 200
    assert response.context["checklist_form"].initial["items"] == [items[1].pk]
    page = response.content.decode()
    assert 'id="checklist"' in page
    assert reverse("appointments:checklist", args=[appointment.uid]) in page


def test_the_employer_ticks_later_from_the_appointment_page(client_for, employer_a, appointment, items):
    client = client_for(employer_a)
    url = reverse("appointments:checklist", args=[appointment.uid])
    response = client.post(url, {"items": [items[0].pk, items[1].pk]})
    assert response.status_code == 302
    assert response.url == reverse("appointments:detail", args=[appointment.uid]) + "#checklist"
    assert ticked(appointment) == {items[0].pk, items[1].pk}
    response = client.post(url, {"items": [items[1].pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="checklist"')
    assert ticked(appointment) == {items[1].pk}
    response = client.post(url, {}, HTTP_HX_REQUEST="true")  # every box unticked
    assert response.status_code == 200 and ticked(appointment) == set()


def test_bad_ticks_are_a_400_with_the_reason(client_for, employer_a, appointment, items):
    url = reverse("appointments:checklist", args=[appointment.uid])
    for bad in (["nope"], [10**12], ["-1"]):
        response = client_for(employer_a).post(url, {"items": bad})
        assert response.status_code == 400
        assert response.context["checklist_form"].errors["items"]
    assert ticked(appointment) == set()


def test_ticking_a_cancelled_appointment_is_a_409(client_for, employer_a, appointment, items):
    services.cancel_appointment(appointment=appointment, by=employer_a)
    response = client_for(employer_a).post(
        reverse("appointments:checklist", args=[appointment.uid]), {"items": [items[0].pk]}
    )
    assert response.status_code == 409
    assert ticked(appointment) == set()


def test_another_company_cannot_tick(client_for, employer_b, appointment, items):
    response = client_for(employer_b).post(
        reverse("appointments:checklist", args=[appointment.uid]), {"items": [items[0].pk]}
    )
    assert response.status_code == 404
    assert ticked(appointment) == set()


def test_the_signed_link_page_ticks_too(client, appointment, items):
    url = reverse("appointments:manage", args=[links.manage_token(appointment)])
    page = client.get(url)
    assert page.status_code == 200 and 'id="checklist"' in page.content.decode()
    response = client.post(url, {"action": "checklist", "items": [items[2].pk]})
    assert response.status_code == 302 and response.url == f"{url}#checklist"
    assert ticked(appointment) == {items[2].pk}
    response = client.post(url, {"action": "checklist", "items": ["x"]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert ticked(appointment) == {items[2].pk}
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED  # not taken for a reschedule


# --- The adviser's agenda -------------------------------------------------------------------------


def test_the_advisers_agenda_marks_appointments_not_ready(
    client_for, advisor, employer_a, appointment, items
):
    tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=employer_a)
    with translation.override("en"):  # the English pages: the badge's words are the msgid
        me, calendar = reverse("advisors:me"), reverse("advisors:calendar")
    page = client_for(advisor).get(me).content.decode()
    assert "Not ready: 2 documents missing" in page
    week = client_for(advisor).get(calendar, {"week": "2026-11-23"}).content.decode()
    assert "Not ready: 2 documents missing" in week
    tick_checklist(appointment=appointment, item_ids=[item.pk for item in items], by=employer_a)
    assert "Not ready" not in client_for(advisor).get(me).content.decode()


def test_the_calendar_feed_says_whether_each_appointment_is_ready(
    client_for, advisor, bookable, employer_a, employer_b, items, django_assert_max_num_queries
):
    ready = book(bookable, employer_a)
    not_ready = book(bookable, employer_b, tuesday(13, 0))
    tick_checklist(appointment=ready, item_ids=[item.pk for item in items], by=employer_a)
    tick_checklist(appointment=not_ready, item_ids=[items[0].pk], by=employer_b)
    client = client_for(advisor)
    params = {"start": "2026-11-23T00:00:00-05:00", "end": "2026-11-30T00:00:00-05:00"}
    client.get(reverse("advisors:calendar_events"), params)  # the signed-in user is cached
    with django_assert_max_num_queries(5):
        events = client.get(reverse("advisors:calendar_events"), params).json()
    props = {
        e["id"]: e["extendedProps"] for e in events if e.get("extendedProps", {}).get("kind") == "appointment"
    }
    assert props[f"appointment-{ready.uid}"]["ready"] is True
    assert props[f"appointment-{not_ready.uid}"]["ready"] is False
    assert props[f"appointment-{not_ready.uid}"]["missing"] == 2
    assert props[f"appointment-{not_ready.uid}"]["readyLabel"]
    classes = {e["id"]: e["classNames"] for e in events if e.get("id", "").startswith("appointment-")}
    assert "cal-not-ready" in classes[f"appointment-{not_ready.uid}"]
    assert "cal-not-ready" not in classes[f"appointment-{ready.uid}"]


def test_the_advisers_appointment_page_lists_what_is_missing(
    client_for, advisor, employer_a, appointment, items
):
    tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=employer_a)
    response = client_for(advisor).get(reverse("advisors:appointment", args=[appointment.uid]))
    assert response.status_code == 200
    entries = response.context["checklist"]
    assert [(e.name, e.ready) for e in entries] == [
        (items[0].name_fr, True),
        (items[1].name_fr, False),
        (items[2].name_fr, False),
    ]
    assert 'id="checklist-heading"' in response.content.decode()


# --- The reminder ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "missing_name", "ticked_name"),
    [
        ("fr-ca", "Étude d'impact sur le marché du travail", "Liste des postes à pourvoir"),
        ("en", "Labour market impact assessment", "List of the jobs to fill"),
    ],
)
def test_the_24_h_reminder_repeats_what_is_missing_in_the_readers_language(
    employer_a, appointment, items, frozen_now, language, missing_name, ticked_name
):
    employer_a.language = language
    employer_a.save()
    tick_checklist(appointment=appointment, item_ids=[items[0].pk], by=employer_a)
    mail.outbox.clear()
    frozen_now.move_to(appointment.starts_at - timedelta(hours=23))  # only the 24 h one is due
    assert reminders.send_due_reminders().sent == 1
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert f"- {missing_name}" in message.body
    assert ticked_name not in message.body
    assert f"<li>{missing_name.replace(chr(39), '&#x27;')}</li>" in html
    assert ticked_name not in html


def test_a_ready_appointments_reminder_lists_nothing(employer_a, appointment, items, frozen_now):
    tick_checklist(appointment=appointment, item_ids=[item.pk for item in items], by=employer_a)
    reminder = Reminder.objects.filter(appointment=appointment).order_by("scheduled_at").first()
    message = reminders.reminder_email(reminder)
    assert "Liste des postes" not in message.text and "<ul>" not in message.html


def test_item_names_are_escaped_in_the_html_reminder(employer_a, appointment, items):
    items[0].name_fr = "<b>Bilan</b> & annexes"
    items[0].save()
    reminder = Reminder.objects.filter(appointment=appointment).first()
    message = reminders.reminder_email(reminder)
    assert "&lt;b&gt;Bilan&lt;/b&gt; &amp; annexes" in message.html
    assert "- <b>Bilan</b> & annexes" in message.text


def test_a_claimed_batch_loads_the_missing_items_in_one_query(
    bookable, employer_a, employer_b, items, frozen_now, django_assert_num_queries
):
    book(bookable, employer_a)
    book(bookable, employer_b, tuesday(13, 0))
    frozen_now.move_to(tuesday(13, 0) - timedelta(hours=23))
    claim = reminders.claim_due_reminders()
    assert len(claim.reminders) == 2
    with django_assert_num_queries(0):
        values = [reminders.reminder_context(r, "fr-ca") for r in claim.reminders]
    assert all("Liste des postes à pourvoir" in v["missing_text"] for v in values)


# --- The API --------------------------------------------------------------------------------------


def test_the_api_gives_each_appointments_checklist(client_for, employer_a, appointment, items):
    tick_checklist(appointment=appointment, item_ids=[items[2].pk], by=employer_a)
    client = client_for(employer_a)
    detail = client.get(reverse("api:appointment-detail", args=[appointment.uid])).json()
    assert detail["checklist"] == [
        {"id": items[0].pk, "name": items[0].name_fr, "ready": False},
        {"id": items[1].pk, "name": items[1].name_fr, "ready": False},
        {"id": items[2].pk, "name": items[2].name_fr, "ready": True},
    ]
    listing = client.get(reverse("api:appointment-list")).json()
    assert listing["results"][0]["checklist"] == detail["checklist"]
    english = client.get(reverse("api:appointment-detail", args=[appointment.uid]), HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["checklist"][0]["name"] in (items[0].name_en, items[0].name_fr)


def test_the_api_list_costs_the_same_queries_for_one_or_many(
    client_for, bookable, employer_a, items, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(employer_a)
    company = employer_a.employer_profile.company

    def add(days):
        starts_at = tuesday(9) + timedelta(days=days)
        Appointment.objects.create(
            advisor=bookable.advisor_a,
            topic=bookable.topic,
            mode=Mode.PHONE,
            company=company,
            municipality=bookable.municipality_a,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
        )

    add(0)
    client.get(reverse("api:appointment-list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("api:appointment-list"))
    for days in range(1, 6):
        add(days)
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("api:appointment-list"))
    assert len(response.json()["results"]) == 6
    assert len(six) == len(one)
