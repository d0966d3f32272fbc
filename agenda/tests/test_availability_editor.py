"""The adviser edits weekly hours, date changes and time off; time off never hides a booked
appointment without the adviser confirming, and the employers are told."""

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from advisors.models import AvailabilityException, TimeOff, WeeklyAvailability
from appointments import selectors
from appointments.models import Appointment, Mode
from tests.booking_helpers import book, open_weekdays, tuesday
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

PAGE = "advisors:availability"


@pytest.fixture
def booked(network, employer_a):
    """Not the root conftest's booked (Tuesday 10:30): the time off and closed hours below take
    Tuesday afternoon, and only adviser A is open, as in the other tests here."""
    open_weekdays(network.advisor_a)
    appointment = book(network, employer_a, tuesday(13))
    mail.outbox.clear()
    return appointment


def test_only_advisers_reach_the_editor(advisor, employer_a, manager):
    assert signed_in(advisor).get(reverse(PAGE)).status_code == 200
    assert signed_in(employer_a).get(reverse(PAGE)).status_code == 403
    assert signed_in(manager).get(reverse(PAGE)).status_code == 403
    assert Client().get(reverse(PAGE)).status_code == 302


def test_weekly_hours_are_added_checked_and_removed(advisor, network):
    client = signed_in(advisor)
    add = reverse("advisors:block_add")
    point = network.advisor_a.home_service_point
    response = client.post(
        add,
        {
            "block-weekday": 2,
            "block-start_time": "09:00",
            "block-end_time": "12:00",
            "block-service_point": point.pk,
        },
    )
    assert response.status_code == 302
    block = WeeklyAvailability.objects.get(advisor=network.advisor_a)
    assert (block.weekday, block.service_point) == (2, point)

    overlap = client.post(add, {"block-weekday": 2, "block-start_time": "11:00", "block-end_time": "13:00"})
    assert overlap.status_code == 400 and "chevauche" in overlap.content.decode()
    backwards = client.post(add, {"block-weekday": 3, "block-start_time": "13:00", "block-end_time": "12:00"})
    assert backwards.status_code == 400
    elsewhere = network.advisor_b.home_service_point
    not_mine = client.post(
        add,
        {
            "block-weekday": 3,
            "block-start_time": "13:00",
            "block-end_time": "15:00",
            "block-service_point": elsewhere.pk,
        },
    )
    assert not_mine.status_code == 400
    remote = client.post(add, {"block-weekday": 3, "block-start_time": "13:00", "block-end_time": "15:00"})
    assert remote.status_code == 302
    assert WeeklyAvailability.objects.filter(advisor=network.advisor_a).count() == 2

    # Another adviser cannot remove it; its owner can.
    other = signed_in(network.advisor_b.user)
    assert other.post(reverse("advisors:block_delete", args=[block.pk])).status_code == 404
    assert client.post(reverse("advisors:block_delete", args=[block.pk])).status_code == 302
    assert not WeeklyAvailability.objects.filter(pk=block.pk).exists()


def test_time_off_that_hides_an_appointment_asks_first_then_cancels_and_tells(
    advisor, booked, employer_a, network
):
    client = signed_in(advisor)
    data = {"off-starts_at": "2026-11-24T12:00", "off-ends_at": "2026-11-24T17:00", "off-reason": "Formation"}
    first = client.post(reverse("advisors:time_off_add"), data)
    assert first.status_code == 409
    page = first.content.decode()
    assert employer_a.employer_profile.company.legal_name in page
    assert reverse("advisors:appointment_reschedule", args=[booked.uid]) in page
    assert not TimeOff.objects.exists() and mail.outbox == []
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED

    confirmed = client.post(reverse("advisors:time_off_add"), {**data, "off-cancel_hidden": "True"})
    assert confirmed.status_code == 302
    time_off = TimeOff.objects.get()
    assert time_off.starts_at == tuesday(12) and time_off.ends_at == tuesday(17)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    (message,) = mail.outbox
    assert message.to == [employer_a.email] and "Formation" in message.body
    # The afternoon is no longer offered.
    search = selectors.available_slots(
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        location=network.municipality_a,
        only_advisor=network.advisor_a,
    )
    offered = [slot.start for group in search.groups for _day, slots in group.days for slot in slots]
    assert offered and all(not (tuesday(12) <= start < tuesday(17)) for start in offered)


def test_time_off_elsewhere_is_saved_at_once(advisor, booked):
    client = signed_in(advisor)
    data = {"off-starts_at": "2026-12-01T08:00", "off-ends_at": "2026-12-04T17:00", "off-reason": ""}
    assert client.post(reverse("advisors:time_off_add"), data).status_code == 302
    assert TimeOff.objects.count() == 1
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED and mail.outbox == []


def test_time_off_across_the_dst_change_is_stored_in_utc(advisor):
    # 8 March 2026 at 2:00, Québec clocks go forward: 08:00 on the 9th is 12:00 UTC, not 13:00.
    with time_machine.travel("2026-03-01 12:00:00+00:00", tick=False):
        data = {"off-starts_at": "2026-03-06T08:00", "off-ends_at": "2026-03-09T08:00"}
        assert signed_in(advisor).post(reverse("advisors:time_off_add"), data).status_code == 302
    time_off = TimeOff.objects.get()
    assert time_off.starts_at.isoformat() == "2026-03-06T13:00:00+00:00"
    assert time_off.ends_at.isoformat() == "2026-03-09T12:00:00+00:00"


def test_bad_time_off_is_a_form_error(advisor):
    client = signed_in(advisor)
    backwards = client.post(
        reverse("advisors:time_off_add"),
        {"off-starts_at": "2026-12-02T08:00", "off-ends_at": "2026-12-01T08:00"},
    )
    assert backwards.status_code == 400
    garbage = client.post(reverse("advisors:time_off_add"), {"off-starts_at": "demain", "off-ends_at": ""})
    assert garbage.status_code == 400 and not TimeOff.objects.exists()


def test_closed_hours_on_a_date_follow_the_same_rule(advisor, booked):
    client = signed_in(advisor)
    data = {
        "date-date": "2026-11-24",
        "date-kind": "closed",
        "date-start_time": "12:30",
        "date-end_time": "15:00",
    }
    assert client.post(reverse("advisors:exception_add"), data).status_code == 409
    assert not AvailabilityException.objects.exists()
    assert (
        client.post(reverse("advisors:exception_add"), {**data, "date-cancel_hidden": "True"}).status_code
        == 302
    )
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    past = client.post(reverse("advisors:exception_add"), {**data, "date-date": "2026-11-01"})
    assert past.status_code == 400


def test_with_htmx_the_section_comes_back_with_the_errors(advisor):
    response = signed_in(advisor).post(
        reverse("advisors:block_add"),
        {"block-weekday": 9, "block-start_time": "x", "block-end_time": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert 'id="availability"' in response.content.decode()


def test_every_change_is_written_to_the_audit_trail(advisor, network):
    from advisors.models import AvailabilityChange

    client = signed_in(advisor)
    client.post(
        reverse("advisors:block_add"),
        {"block-weekday": 1, "block-start_time": "09:00", "block-end_time": "11:00"},
    )
    block = WeeklyAvailability.objects.get(advisor=network.advisor_a)
    client.post(reverse("advisors:block_delete", args=[block.pk]))
    client.post(
        reverse("advisors:time_off_add"),
        {"off-starts_at": "2026-12-01T08:00", "off-ends_at": "2026-12-01T12:00"},
    )
    changes = list(AvailabilityChange.objects.filter(advisor=network.advisor_a).order_by("pk"))
    assert [c.action for c in changes] == ["added", "removed", "added"]
    assert all(c.actor == advisor for c in changes)
    assert "09:00" in changes[0].description and "2026-12-01 08:00" in changes[2].description
