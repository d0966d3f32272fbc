"""The adviser's "I will hold it" is about one time: a move by the employer (or a manager) asks for
it again; a move by the adviser themself is acknowledged by the move."""

import pytest

from appointments import services
from tests.booking_helpers import book, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


def acknowledged(bookable, employer_a):
    appointment = book(bookable, employer_a)
    return services.confirm_appointment(appointment=appointment, by=bookable.advisor_a.user)


def move(bookable, appointment, by):
    choice = services.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(14))
    return services.reschedule_appointment(appointment=appointment, choice=choice, by=by)


def test_an_employer_s_move_asks_the_adviser_again(bookable, employer_a):
    appointment = acknowledged(bookable, employer_a)
    assert appointment.advisor_confirmed_at is not None
    moved = move(bookable, appointment, employer_a)
    moved.refresh_from_db()
    assert moved.advisor_confirmed_at is None


def test_the_adviser_s_own_move_stays_acknowledged(bookable, employer_a):
    moved = move(bookable, acknowledged(bookable, employer_a), bookable.advisor_a.user)
    moved.refresh_from_db()
    assert moved.advisor_confirmed_at is not None
