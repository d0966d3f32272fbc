"""Rescheduling and cancelling ask first: the employer (signed in, or by the emailed link) sees the
appointment before → after and confirms; nothing changes until that POST, which checks everything
again (a time taken meanwhile is a clear message and other times, never a 500)."""

import html
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from appointments import links, services
from appointments.models import Appointment
from appointments.templatetags.booking import utc_param
from tests.booking_helpers import book, tuesday
from waitlist.services import OFFER_SALT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def fr(message: str) -> str:
    """The French of `message`, spaced as text() reads a page."""
    with translation.override("fr-ca"):
        return gettext(message).replace("\xa0", " ")


def text(response) -> str:
    """The page's visible words, tags dropped, spaces (and non-breaking spaces) collapsed."""
    words = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", words.replace("\xa0", " "))


def state(appointment) -> tuple:
    """Everything a change would touch, read again from the database."""
    row = Appointment.objects.get(pk=appointment.pk)
    return (
        row.status,
        row.starts_at,
        row.service_point_id,
        row.sequence,
        row.cancelled_at,
        row.cancellation_reason,
        row.events.count(),
        row.reminders.count(),
    )


def choice(bookable, at, advisor=None):
    advisor = advisor or bookable.advisor_a
    return {"advisor": advisor.pk, "point": advisor.home_service_point_id, "at": utc_param(at)}


class Signed:
    """The employer's pages, signed in."""

    @staticmethod
    def urls(appointment, token=None):
        uid = [appointment.uid]
        return {
            "detail": reverse("appointments:detail", args=uid),
            "reschedule": reverse("appointments:reschedule", args=uid),
            "confirm": reverse("appointments:reschedule_confirm", args=uid),
            "cancel": reverse("appointments:cancel", args=uid),
        }


class Link:
    """The emailed link, no session."""

    @staticmethod
    def urls(appointment, token=None):
        token = token or links.manage_token(appointment)
        return {
            "detail": reverse("appointments:manage", args=[token]),
            "reschedule": reverse("appointments:manage_reschedule", args=[token]),
            "confirm": reverse("appointments:manage_reschedule_confirm", args=[token]),
            "cancel": reverse("appointments:manage_cancel", args=[token]),
        }


@pytest.fixture(params=["signed_in", "link"])
def way(request, client_for, employer_a):
    """(client, urls builder, actor the audit trail records) for each way an employer acts."""
    if request.param == "signed_in":
        return client_for(employer_a), Signed.urls, employer_a
    return client_for(None), Link.urls, None


# Rescheduling --------------------------------------------------------------------------------------


def test_the_appointment_page_leads_to_each_step_and_changes_nothing(way, booked):
    client, urls_of, _actor = way
    urls = urls_of(booked)
    before = state(booked)
    page = client.get(urls["detail"]).content.decode()
    assert f'href="{urls["reschedule"]}"' in page and f'href="{urls["cancel"]}"' in page
    assert "<form" not in page.split(fr("Change this appointment"))[1]  # links, not one-tap forms

    times = client.get(urls["reschedule"])
    assert times.status_code == 200
    # Each time leads to the confirmation step; none is a form that would move the appointment.
    assert f"{urls['confirm']}?advisor={booked.advisor_id}" in times.content.decode()
    assert 'method="post"' not in times.content.decode().split("<main")[1]
    assert "votre plage actuelle reste la vôtre tant que vous n’avez pas confirmé" in text(times)
    assert state(booked) == before and mail.outbox == []


def test_the_confirmation_shows_the_appointment_before_and_after_and_changes_nothing(way, booked, bookable):
    client, urls_of, _actor = way
    urls = urls_of(booked)
    before = state(booked)
    response = client.get(urls["confirm"], choice(bookable, tuesday(14)))
    assert response.status_code == 200
    page = text(response)
    now, after = page.split(fr("Current appointment"))[1].split(fr("After the change"))
    assert "10 h 30" in now and "14 h" not in now
    assert re.search(r"14 h( 00)?–15 h", after) and "10 h 30" not in after  # "14 h" per the OQLF
    for both in (now, after):
        assert "mardi 24 novembre 2026" in both and str(booked.advisor) in both
        assert bookable.point_a.host_office in both
    assert fr("Confirm the change") in page and fr("Choose another time") in page
    body = response.content.decode()
    assert f'action="{urls["confirm"]}"' in body and f'href="{urls["reschedule"]}"' in body
    assert state(booked) == before and mail.outbox == []


def test_the_confirm_post_moves_the_appointment(way, booked, bookable, employer_a):
    client, urls_of, actor = way
    urls = urls_of(booked)
    response = client.post(urls["confirm"], choice(bookable, tuesday(14)))
    assert response.status_code == 302 and response["Location"] == urls["detail"]
    booked.refresh_from_db()
    assert booked.starts_at == tuesday(14) and booked.sequence == 1
    event = booked.events.get(action="rescheduled")
    assert event.previous_starts_at == tuesday(10, 30) and event.actor == actor
    (message,) = mail.outbox
    assert message.to == [employer_a.email]
    page = client.get(urls["detail"])
    assert fr("Your appointment has a new time. An updated calendar file is on its way.") in text(page)


def test_a_time_taken_between_the_two_steps_is_refused_with_other_times(way, booked, bookable, employer_b):
    client, urls_of, _actor = way
    urls = urls_of(booked)
    assert client.get(urls["confirm"], choice(bookable, tuesday(14))).status_code == 200
    book(bookable, employer_b, tuesday(14))  # another company takes it meanwhile
    mail.outbox.clear()
    before = state(booked)

    response = client.post(urls["confirm"], choice(bookable, tuesday(14)))
    assert response.status_code == 409
    page = text(response)
    assert fr("This time was just booked by someone else. Here are the next free times.") in page
    assert response.context["search"].groups  # other times to choose from, on the same page
    assert f"{urls['confirm']}?advisor=" in response.content.decode()
    assert state(booked) == before and mail.outbox == []

    # Opening the step for that time now says so at once.
    again = client.get(urls["confirm"], choice(bookable, tuesday(14)))
    assert again.status_code == 409
    assert fr("This time is not available. Here are the free times.") in text(again)


@pytest.mark.parametrize(
    "bad",
    [
        {"at": "demain matin"},
        {"at": ""},
        {"advisor": "x"},
        {"at": "0001-01-01T00:00:00Z"},
    ],
)
def test_a_malformed_choice_is_a_400_with_the_times(way, booked, bookable, bad):
    client, urls_of, _actor = way
    urls = urls_of(booked)
    before = state(booked)
    for method in (client.get, client.post):
        response = method(urls["confirm"], {**choice(bookable, tuesday(14)), **bad})
        assert response.status_code == 400
        assert fr("This time is not available. Here are the free times.") in text(response)
    assert state(booked) == before


def test_another_advisers_time_is_refused(way, booked, bookable):
    client, urls_of, _actor = way
    urls = urls_of(booked)
    before = state(booked)
    other = choice(bookable, tuesday(14), advisor=bookable.advisor_b)
    assert client.get(urls["confirm"], other).status_code == 409
    assert client.post(urls["confirm"], other).status_code == 409
    assert state(booked) == before and mail.outbox == []


def test_a_time_picked_on_a_page_from_before_the_confirmation_step_is_only_shown(way, booked, bookable):
    """Such a page posted the chosen time to the list of times: it is shown to confirm, not taken."""
    client, urls_of, _actor = way
    urls = urls_of(booked)
    before = state(booked)
    posted_to = urls["reschedule"] if urls_of is Signed.urls else urls["detail"]
    response = client.post(posted_to, choice(bookable, tuesday(14)))
    assert response.status_code == 200 and fr("Confirm the change") in text(response)
    assert state(booked) == before and mail.outbox == []


# Cancelling --------------------------------------------------------------------------------------


def test_the_cancel_step_says_what_is_cancelled_and_what_follows(way, booked, bookable):
    client, urls_of, _actor = way
    urls = urls_of(booked)
    before = state(booked)
    response = client.get(urls["cancel"])
    assert response.status_code == 200
    page = text(response)
    assert "mardi 24 novembre 2026" in page and "10 h 30" in page and str(booked.advisor) in page
    assert bookable.point_a.host_office in page
    assert fr("The time is freed at once and offered to other companies.") in page
    assert fr("Reason (optional)") in page and fr("Confirm the cancellation") in page
    assert fr("Keep my appointment") in page
    assert f'action="{urls["cancel"]}"' in response.content.decode()
    assert state(booked) == before and mail.outbox == []


def test_the_confirm_post_cancels_with_the_reason(way, booked, employer_a):
    client, urls_of, actor = way
    urls = urls_of(booked)
    response = client.post(urls["cancel"], {"confirmed": "1", "reason": "Le poste est comblé."})
    assert response.status_code == 302 and response["Location"] == urls["detail"]
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert booked.cancellation_reason == "Le poste est comblé."
    assert booked.events.get(action="cancelled").actor == actor
    (message,) = mail.outbox
    assert message.to == [employer_a.email] and "Le poste est comblé." in message.body


def test_a_one_tap_cancel_from_an_older_page_only_shows_the_step(way, booked):
    """The appointment page used to post the cancel form at once: such a POST asks first now, with
    the reason typed kept."""
    client, urls_of, _actor = way
    urls = urls_of(booked)
    before = state(booked)
    posted_to = urls["cancel"] if urls_of is Signed.urls else urls["detail"]
    response = client.post(posted_to, {"action": "cancel", "reason": "Plus nécessaire"})
    assert response.status_code == 200
    assert fr("Confirm the cancellation") in text(response) and "Plus nécessaire" in text(response)
    assert state(booked) == before and mail.outbox == []


def test_a_reason_too_long_is_a_400_and_cancels_nothing(way, booked):
    client, urls_of, _actor = way
    before = state(booked)
    response = client.post(urls_of(booked)["cancel"], {"confirmed": "1", "reason": "x" * 301})
    assert response.status_code == 400
    assert state(booked) == before


def test_an_appointment_cancelled_meanwhile_cannot_be_changed(way, booked, bookable):
    """Another tab, a colleague or the adviser cancelled it after the step was shown."""
    client, urls_of, _actor = way
    urls = urls_of(booked)
    services.cancel_appointment(appointment=booked, by=None, reason="")
    mail.outbox.clear()
    before = state(booked)
    refused = fr("This appointment can no longer be changed: it is cancelled or has started.")
    for response in (
        client.post(urls["cancel"], {"confirmed": "1"}),
        client.post(urls["confirm"], choice(bookable, tuesday(14))),
        client.get(urls["confirm"], choice(bookable, tuesday(14))),
        client.get(urls["reschedule"]),
        client.get(urls["cancel"]),
    ):
        assert response.status_code == 302 and response["Location"] == urls["detail"]
    assert refused in text(client.get(urls["detail"]))
    assert state(booked) == before and mail.outbox == []


# Who may ----------------------------------------------------------------------------------------


def test_another_companys_appointment_is_not_found(client_for, booked, bookable, employer_b):
    client = client_for(employer_b)
    urls = Signed.urls(booked)
    before = state(booked)
    assert client.get(urls["reschedule"]).status_code == 404
    assert client.get(urls["confirm"], choice(bookable, tuesday(14))).status_code == 404
    assert client.post(urls["confirm"], choice(bookable, tuesday(14))).status_code == 404
    assert client.get(urls["cancel"]).status_code == 404
    assert client.post(urls["cancel"], {"confirmed": "1"}).status_code == 404
    assert state(booked) == before and mail.outbox == []


@pytest.mark.parametrize("persona", ["advisor", "manager", "administrator"])
def test_staff_cannot_use_the_employers_steps(request, client_for, booked, bookable, persona):
    client = client_for(request.getfixturevalue(persona))
    urls = Signed.urls(booked)
    before = state(booked)
    assert client.get(urls["confirm"], choice(bookable, tuesday(14))).status_code == 403
    assert client.post(urls["confirm"], choice(bookable, tuesday(14))).status_code == 403
    assert client.post(urls["cancel"], {"confirmed": "1"}).status_code == 403
    assert state(booked) == before


def test_a_forged_or_foreign_link_is_refused(client_for, booked, bookable):
    """A token cut short, one signed for the waitlist's offers, or plain noise: the "invalid link"
    page, and nothing changes."""
    from django.core import signing

    token = links.manage_token(booked)
    foreign = signing.dumps({"uid": str(booked.uid)}, salt=OFFER_SALT, compress=True)
    client = client_for(None)
    before = state(booked)
    for bad in (token[:-3] + "abc", foreign, "nonsense"):
        urls = Link.urls(booked, token=bad)
        for response in (
            client.get(urls["reschedule"]),
            client.get(urls["confirm"], choice(bookable, tuesday(14))),
            client.post(urls["confirm"], choice(bookable, tuesday(14))),
            client.get(urls["cancel"]),
            client.post(urls["cancel"], {"confirmed": "1"}),
        ):
            assert response.status_code == 400
    assert state(booked) == before and mail.outbox == []


def test_the_link_stops_at_the_start_time(client_for, booked, bookable):
    urls = Link.urls(booked)
    client = client_for(None)
    before = state(booked)
    with time_machine.travel(tuesday(10, 31), tick=False):
        assert client.get(urls["cancel"]).status_code == 410
        assert client.post(urls["cancel"], {"confirmed": "1"}).status_code == 410
        assert client.post(urls["confirm"], choice(bookable, tuesday(14))).status_code == 410
    assert state(booked) == before


def test_the_former_address_of_the_times_leads_to_the_new_one(client_for, booked):
    urls = Link.urls(booked)
    response = client_for(None).get(urls["detail"], {"reschedule": 1})
    assert response.status_code == 302 and response["Location"] == urls["reschedule"]
    more = client_for(None).get(urls["detail"], {"start": "2026-12-01"})
    assert more["Location"] == f"{urls['reschedule']}?start=2026-12-01"
