"""Scheduling, registering, the waitlist and the emails of group sessions (services and outbox)."""

from datetime import time, timedelta

import pytest
from django.core import mail

from appointments.services import BookingError
from group_sessions import services
from group_sessions.models import GroupSession, Notice, Participant, Registration
from group_sessions.tests.helpers import (
    THURSDAY,
    employer,
    make_session,
    people,
    register,
    send_all,
    sent_to,
    session_data,
)
from tests.booking_helpers import book, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


# --- Scheduling ----------------------------------------------------------------------------------


def test_a_session_blocks_the_presenters_calendar(bookable, employer_a):
    session = make_session(bookable, day=THURSDAY, start_time=time(10, 0), duration_minutes=120)
    assert session.starts_at == local(THURSDAY, 10)
    with pytest.raises(BookingError) as refused:
        book(bookable, employer_a, at=local(THURSDAY, 10, 30))
    assert refused.value.code == "slot_taken"


def test_a_session_cannot_take_a_booked_time(bookable, employer_a):
    book(bookable, employer_a, at=local(THURSDAY, 10, 30))
    with pytest.raises(services.SessionError) as refused:
        make_session(bookable, day=THURSDAY, start_time=time(10, 0))
    assert refused.value.code == services.TIME_TAKEN
    assert not GroupSession.objects.exists()


def test_two_sessions_of_one_presenter_never_overlap(bookable):
    make_session(bookable, start_time=time(13, 0), duration_minutes=60)
    with pytest.raises(services.SessionError) as refused:
        make_session(bookable, start_time=time(13, 30), duration_minutes=60)
    assert refused.value.code == services.TIME_TAKEN
    make_session(bookable, start_time=time(14, 0), duration_minutes=60)  # end to end is fine


def test_a_series_every_second_tuesday_is_one_action_and_keeps_its_wall_clock_time(bookable):
    tuesday = THURSDAY - timedelta(days=2) + timedelta(days=7)  # Tuesday 1 December 2026
    data = session_data(bookable, day=tuesday, start_time=time(9, 0), duration_minutes=60)
    sessions = services.schedule_series(
        data=data, rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=10", by=bookable.advisor_a.user
    )
    assert len(sessions) == 10
    days = [s.starts_at.astimezone(local(tuesday, 9).tzinfo) for s in sessions]
    assert all(d.weekday() == 1 and (d.hour, d.minute) == (9, 0) for d in days)  # across the DST change
    assert all((b.date() - a.date()).days == 14 for a, b in zip(days, days[1:], strict=False))
    assert len({s.series_id for s in sessions}) == 1


def test_a_series_with_a_conflict_schedules_nothing_and_names_the_dates(bookable, employer_a):
    tuesday = THURSDAY - timedelta(days=2) + timedelta(days=7)
    book(bookable, employer_a, at=local(tuesday + timedelta(days=14), 9, 30))
    data = session_data(bookable, day=tuesday, start_time=time(9, 0), duration_minutes=60)
    with pytest.raises(services.SessionError) as refused:
        services.schedule_series(data=data, rule="FREQ=WEEKLY;INTERVAL=2;COUNT=3", by=bookable.advisor_a.user)
    assert refused.value.code == services.SERIES_CONFLICTS
    assert "15 décembre" in refused.value.message
    assert not GroupSession.objects.exists()


def test_a_capacity_larger_than_the_room_is_refused(bookable):
    with pytest.raises(services.SessionError) as refused:
        make_session(bookable, capacity=50, room_capacity=30)
    assert refused.value.code == services.ROOM_TOO_SMALL


# --- Registering ---------------------------------------------------------------------------------


def test_registering_takes_exactly_the_partys_seats(bookable):
    session = make_session(bookable, capacity=10)
    registration = register(session, employer(bookable), 3)
    session.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert session.seats_taken == 3
    assert registration.participants.count() == 3


def test_a_party_of_three_does_not_take_the_last_two_seats(bookable):
    session = make_session(bookable, capacity=5)
    register(session, employer(bookable), 3)
    with pytest.raises(services.SessionError) as refused:
        register(session, employer(bookable), 3)
    assert refused.value.code == services.FULL
    assert refused.value.status == 409
    assert "2" in refused.value.message
    session.refresh_from_db()
    assert session.seats_taken == 3


def test_more_participants_than_allowed_is_refused(bookable):
    session = make_session(bookable, max_party_size=2)
    with pytest.raises(services.SessionError) as refused:
        register(session, employer(bookable), 3)
    assert refused.value.code == services.TOO_MANY and refused.value.status == 400


def test_a_company_registers_once(bookable):
    session = make_session(bookable)
    user = employer(bookable)
    register(session, user, 1)
    with pytest.raises(services.SessionError) as refused:
        register(session, user, 1, prefix="other")
    assert refused.value.code == services.ALREADY_REGISTERED
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_registration_closes_at_the_deadline(bookable, frozen_now):
    session = make_session(bookable, deadline_hours=24)
    frozen_now.move_to(session.registration_deadline)
    with pytest.raises(services.SessionError) as refused:
        register(session, employer(bookable), 1)
    assert refused.value.code == services.CLOSED


def test_cancelling_frees_exactly_its_seats_and_touches_nobody_else(bookable):
    session = make_session(bookable, capacity=10)
    first, second = register(session, employer(bookable), 3), register(session, employer(bookable), 4)
    services.cancel_registration(registration=first)
    session.refresh_from_db()
    second.refresh_from_db()
    assert session.seats_taken == 4
    assert second.status == Registration.Status.CONFIRMED and second.seats == 4


def test_changing_the_count_takes_or_frees_only_the_difference(bookable):
    session = make_session(bookable, capacity=6)
    registration = register(session, employer(bookable), 2)
    register(session, employer(bookable), 3)
    with pytest.raises(services.SessionError) as refused:
        services.change_participants(registration=registration, people=people(4))
    assert refused.value.code == services.FULL
    services.change_participants(registration=registration, people=people(3))
    session.refresh_from_db()
    assert session.seats_taken == 6
    services.change_participants(registration=registration, people=people(1))
    session.refresh_from_db()
    registration.refresh_from_db()
    assert session.seats_taken == 4 and registration.seats == 1
    assert Participant.objects.filter(registration=registration, removed_at__isnull=True).count() == 1


def test_capacity_below_the_registered_seats_is_refused_with_who_would_not_fit(bookable):
    session = make_session(bookable, capacity=10)
    register(session, employer(bookable), 4)
    late = register(session, employer(bookable), 3)
    with pytest.raises(services.SessionError) as refused:
        services.change_capacity(session=session, capacity=5, by=bookable.advisor_a.user)
    assert refused.value.code == services.CAPACITY_TOO_SMALL
    assert refused.value.params["registrations"] == [late]
    assert late.company.legal_name in refused.value.message
    session.refresh_from_db()
    assert session.capacity == 10
    services.change_capacity(session=session, capacity=7, by=bookable.advisor_a.user)


def test_another_directorates_adviser_cannot_manage_the_session(bookable):
    session = make_session(bookable)
    with pytest.raises(services.SessionError) as refused:
        services.change_capacity(session=session, capacity=25, by=bookable.advisor_b.user)
    assert refused.value.status == 403


# --- The waitlist --------------------------------------------------------------------------------


def test_a_full_session_offers_its_waitlist_and_a_freed_seat_is_offered_once(bookable):
    session = make_session(bookable, capacity=3)
    seated = register(session, employer(bookable), 3)
    big = register(session, employer(bookable), 3, waitlist=True)
    small = register(session, employer(bookable), 2, waitlist=True)
    assert big.status == small.status == Registration.Status.WAITLISTED
    services.change_participants(registration=seated, people=people(1))  # frees 2 seats
    big.refresh_from_db()
    small.refresh_from_db()
    session.refresh_from_db()
    assert big.status == Registration.Status.WAITLISTED  # a party of 3 is not offered 2 seats
    assert small.status == Registration.Status.OFFERED
    assert session.seats_taken == 3  # the offer holds its seats
    assert services.offer_free_seats(session_id=session.pk) == []  # offered once
    with pytest.raises(services.SessionError):
        register(session, employer(bookable), 1)  # nobody else takes held seats
    services.confirm_offer(registration=small)
    small.refresh_from_db()
    assert small.status == Registration.Status.CONFIRMED


def test_an_offer_not_confirmed_in_time_goes_to_the_next_in_line(bookable, frozen_now):
    session = make_session(bookable, capacity=2, day=THURSDAY + timedelta(days=7))
    seated = register(session, employer(bookable), 2)
    first = register(session, employer(bookable), 2, waitlist=True)
    second = register(session, employer(bookable), 2, waitlist=True)
    services.cancel_registration(registration=seated)
    first.refresh_from_db()
    assert first.status == Registration.Status.OFFERED
    frozen_now.move_to(first.hold_expires_at + timedelta(seconds=1))
    assert services.expire_offers() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Registration.Status.LAPSED
    assert second.status == Registration.Status.OFFERED
    with pytest.raises(services.SessionError) as gone:
        services.confirm_offer(registration=first)
    assert gone.value.status == 410


# --- Emails --------------------------------------------------------------------------------------


def test_the_contact_and_each_participant_get_a_confirmation_with_the_ics(bookable):
    session = make_session(bookable)
    user = employer(bookable)
    mail.outbox.clear()
    register(session, user, 2)
    assert len(sent_to(user.email)) == 1
    for person in people(2, f"u{user.pk}-"):
        (message,) = sent_to(person.email)
        (name, content, mimetype) = message.attachments[0]
        assert name == "session.ics" and "METHOD:PUBLISH" in str(content)
    assert "manage" not in sent_to(f"u{user.pk}-0@example.org")[0].body  # the link is the contact's
    assert send_all()["sent"] == 0  # nothing twice


def test_cancelling_the_session_tells_everyone_once_with_a_cancelled_ics(bookable):
    session = make_session(bookable)
    user, other = employer(bookable), employer(bookable)
    register(session, user, 2)
    register(session, other, 1)
    register_waiting = register(session, employer(bookable), 1, waitlist=True)
    mail.outbox.clear()
    services.cancel_session(session=session, by=bookable.advisor_a.user, reason="Salle inondée")
    services.cancel_session  # noqa: B018
    with pytest.raises(services.SessionError):
        services.cancel_session(session=session, by=bookable.advisor_a.user, reason="again")
    send_all()
    readers = [address for message in mail.outbox for address in message.to]
    # 3 contacts (one waitlisted) and 4 participants (one waitlisted): each once.
    assert len(readers) == len(set(readers)) == 7
    assert register_waiting.contact_email in readers
    for message in mail.outbox:
        if message.attachments:
            assert "METHOD:CANCEL" in str(message.attachments[0][1])
        assert "Salle inondée" in message.body
    assert not Notice.objects.filter(kind=Notice.Kind.REMINDER, status=Notice.Status.PENDING).exists()


def test_reminders_go_once_per_participant_when_due(bookable, frozen_now):
    session = make_session(bookable)
    user = employer(bookable)
    register(session, user, 2)
    mail.outbox.clear()
    frozen_now.move_to(session.starts_at - timedelta(hours=23))
    send_all()
    send_all()
    reminders = [m for m in mail.outbox if "Rappel" in m.subject or "Reminder" in m.subject]
    assert sorted(address for m in reminders for address in m.to) == sorted(
        [f"u{user.pk}-0@example.org", f"u{user.pk}-1@example.org", user.email]
    )


def test_a_message_reaches_every_registrant_once(bookable):
    session = make_session(bookable)
    register(session, employer(bookable), 2)
    register(session, employer(bookable), 1, waitlist=False)
    mail.outbox.clear()
    services.message_registrants(
        session=session,
        by=bookable.advisor_a.user,
        subject="Stationnement",
        body="Entrée par la rue Bonaventure.",
    )
    assert len(mail.outbox) == 5
    assert all("Bonaventure" in m.body for m in mail.outbox)


def test_attendance_is_marked_per_participant_after_the_start(bookable, frozen_now):
    session = make_session(bookable)
    registration = register(session, employer(bookable), 2)
    first, second = registration.participants.all()
    with pytest.raises(services.SessionError) as early:
        services.mark_attendance(session=session, by=bookable.advisor_a.user, marks={first.pk: "present"})
    assert early.value.code == services.NOT_STARTED
    frozen_now.move_to(session.starts_at + timedelta(minutes=5))
    services.mark_attendance(
        session=session, by=bookable.advisor_a.user, marks={first.pk: "present", second.pk: "absent"}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attendance, second.attendance) == ("present", "absent")
