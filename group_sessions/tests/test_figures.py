"""The manager's figures of group sessions: sessions, seats, employers reached, attendance rate."""

import csv
import io
from datetime import time, timedelta

import pytest
from django.urls import reverse

from group_sessions import selectors, services
from group_sessions.tests.helpers import employer, make_session, register
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def held_session(bookable, frozen_now):
    session = make_session(bookable, capacity=10)
    first, second = register(session, employer(bookable), 2), register(session, employer(bookable), 1)
    frozen_now.move_to(session.starts_at + timedelta(minutes=5))
    people = [*first.participants.all(), *second.participants.all()]
    services.mark_attendance(
        session=session,
        by=bookable.advisor_a.user,
        marks={people[0].pk: "present", people[1].pk: "present", people[2].pk: "absent"},
    )
    return session


def test_figures_count_seats_employers_and_the_attendance_rate(bookable, frozen_now, manager):
    held_session(bookable, frozen_now)
    (row,) = selectors.figures(selectors.figure_scope(manager), by="topic")
    assert row == {
        "key": bookable.topic.code,
        "sessions": 1,
        "cancelled": 0,
        "seats_offered": 10,
        "seats_taken": 3,
        "employers": 2,
        "present": 2,
        "absent": 1,
        "attendance_rate": 67,
    }


def test_another_directorates_manager_sees_none_of_it(bookable, frozen_now, other_manager):
    held_session(bookable, frozen_now)
    assert selectors.figures(selectors.figure_scope(other_manager), by="mode") == []


def test_a_cancelled_session_offers_no_seats(bookable, manager):
    session = make_session(bookable, capacity=10)
    make_session(bookable, capacity=12, start_time=time(9, 0))
    services.cancel_session(session=session, by=manager, reason="Tempête")
    (row,) = selectors.figures(selectors.figure_scope(manager), by="mode")
    assert (row["sessions"], row["cancelled"], row["seats_offered"]) == (1, 1, 12)


def test_the_page_and_its_csv(bookable, frozen_now, manager):
    held_session(bookable, frozen_now)
    client = signed_in(manager)
    page = client.get(reverse("group_sessions:staff_figures"))
    assert "67 %" in page.content.decode()
    export = client.get(reverse("group_sessions:staff_figures_csv"))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Regroupement" or rows[0][0] == "Grouped by"
    assert ["topic", "Immigration temporaire", "1", "0", "10", "3", "2", "2", "1", "67"] in rows
    assert (
        client.get(reverse("group_sessions:staff_figures") + "?start=2027-01-10&end=2026-01-01").status_code
        == 200
    )
