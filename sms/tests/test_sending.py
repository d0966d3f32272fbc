"""Texts planned with the appointment's changes and sent once: confirmation, reminders on the
email schedule and the person's choice, change, cancellation; never after the start, never in
the quiet hours, never past the month's cap; permanent errors not retried."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from appointments import services as booking
from appointments.models import Appointment, Mode
from sms import planning, sending, services
from sms.models import MonthlyUsage, SmsContact, SmsMessage
from sms.providers import SendError
from sms.providers.base import Provider
from sms.providers.local import MemoryProvider
from tests.booking_helpers import book, local, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

Status, Kind, Reason = SmsMessage.Status, SmsMessage.Kind, SmsMessage.Reason


def texts_of(appointment, kind=None):
    rows = SmsMessage.objects.filter(appointment=appointment).order_by("scheduled_at", "id")
    return list(rows.filter(kind=kind) if kind else rows)


def test_an_employer_who_opted_in_gets_the_confirmation_at_once(bookable, employer_a, opted_in, sms_outbox):
    appointment = book(bookable, employer_a)
    assert [t["to"] for t in sms_outbox] == ["+18195550101"]
    assert sms_outbox[0]["body"].startswith(
        "MIFI : rendez-vous confirmé le 24 nov. à 10 h 30, Trois-Rivières."
    )
    (confirmation,) = texts_of(appointment, Kind.CONFIRMATION)
    assert (confirmation.status, confirmation.segments, confirmation.encoding) == (Status.SENT, 1, "GSM-7")
    reminders = texts_of(appointment, Kind.REMINDER)
    assert [(r.minutes_before, r.status) for r in reminders] == [
        (1440, Status.PENDING),
        (120, Status.PENDING),
    ]
    assert [r.scheduled_at for r in reminders] == [
        appointment.starts_at - timedelta(hours=24),
        appointment.starts_at - timedelta(hours=2),
    ]


def test_nobody_gets_a_text_without_ticking_the_box(bookable, employer_a, sms_outbox):
    services.save_preferences(
        user=employer_a, number="+18195550101", opted_in=False, changes=True, reminders="all"
    )
    book(bookable, employer_a)
    assert sms_outbox == []
    assert not SmsMessage.objects.exists()


@pytest.mark.parametrize(("choice", "minutes"), [("all", [1440, 120]), ("last", [120]), ("none", [])])
def test_reminders_follow_the_persons_choice(bookable, employer_a, choice, minutes):
    services.save_preferences(
        user=employer_a, number="+18195550101", opted_in=True, changes=False, reminders=choice
    )
    appointment = book(bookable, employer_a)
    assert [r.minutes_before for r in texts_of(appointment, Kind.REMINDER)] == minutes
    assert texts_of(appointment, Kind.CONFIRMATION) == []  # confirmations and changes not wanted


def test_each_reminder_is_sent_once(bookable, employer_a, opted_in, sms_outbox, frozen_now):
    appointment = book(bookable, employer_a)
    frozen_now.move_to(appointment.starts_at - timedelta(hours=24) + timedelta(minutes=1))
    assert sending.send_due() == {"sent": 1}
    assert sending.send_due() == {}
    frozen_now.move_to(appointment.starts_at - timedelta(hours=2) + timedelta(minutes=1))
    assert sending.send_due() == {"sent": 1}
    assert sending.send_due() == {}
    bodies = [t["body"] for t in sms_outbox]
    assert len(bodies) == 3 and all(b.startswith("Rappel MIFI") for b in bodies[1:])
    assert {r.status for r in texts_of(appointment, Kind.REMINDER)} == {Status.SENT}


def test_a_reminder_is_never_sent_after_the_appointment_started_whatever_the_queue_delay(
    bookable, employer_a, opted_in, sms_outbox, frozen_now
):
    appointment = book(bookable, employer_a)
    frozen_now.move_to(appointment.starts_at + timedelta(minutes=1))  # the queue was stuck for a day
    assert sending.send_due() == {"skipped": 2}
    assert [(r.status, r.reason) for r in texts_of(appointment, Kind.REMINDER)] == [
        (Status.SKIPPED, Reason.STARTED),
        (Status.SKIPPED, Reason.STARTED),
    ]
    assert len(sms_outbox) == 1  # the confirmation only


def test_a_reminder_claimed_just_before_the_start_and_sent_after_it_is_not_sent(
    bookable, employer_a, opted_in, sms_outbox, frozen_now
):
    appointment = book(bookable, employer_a)
    frozen_now.move_to(appointment.starts_at - timedelta(minutes=30))
    claim = sending.claim_due()
    assert len(claim.messages) == 2
    frozen_now.move_to(appointment.starts_at + timedelta(seconds=1))  # the worker stalled meanwhile
    assert [sending.send_one(m, claim.token) for m in claim.messages] == ["skipped", "skipped"]
    assert len(sms_outbox) == 1


def test_moving_the_appointment_sends_the_change_and_plans_new_reminders(
    bookable, employer_a, opted_in, sms_outbox
):
    appointment = book(bookable, employer_a)
    advisor = bookable.advisor_a
    choice = booking.SlotChoice(advisor.pk, advisor.home_service_point_id, tuesday(14, 0))
    booking.reschedule_appointment(appointment=appointment, choice=choice, by=employer_a)
    assert sms_outbox[-1]["body"].startswith("MIFI : rendez-vous déplacé au 24 nov. à 14 h, Trois-Rivières.")
    reminders = texts_of(appointment, Kind.REMINDER)
    assert [r.scheduled_at for r in reminders] == [tuesday(14, 0) - timedelta(hours=24), tuesday(12, 0)]
    assert all(r.status == Status.PENDING for r in reminders)


def test_cancelling_sends_the_cancellation_and_drops_the_reminders(
    bookable, employer_a, opted_in, sms_outbox
):
    appointment = book(bookable, employer_a)
    booking.cancel_appointment(appointment=appointment, by=employer_a)
    assert sms_outbox[-1]["body"].startswith("MIFI : votre rendez-vous du 24 nov. à 10 h 30 est annulé.")
    assert texts_of(appointment, Kind.REMINDER) == []


def test_an_english_speaker_gets_english_texts(bookable, employer_a, sms_outbox):
    employer_a.language = "en"
    employer_a.save()
    services.save_preferences(
        user=employer_a, number="+18195550101", opted_in=True, changes=True, reminders="all"
    )
    book(bookable, employer_a)
    assert sms_outbox[0]["body"].startswith(
        "MIFI: appointment confirmed for Nov. 24 at 10:30 a.m., Trois-Rivières."
    )


# --- Quiet hours ---------------------------------------------------------------------------------


def test_quiet_hours_are_those_of_the_appointments_zone():
    at = local(timezone.now().date(), 20, 30)  # 20 h 30 in Québec is 21 h 30 in the Islands
    assert planning.allowed_time(at, "America/Toronto") == at
    islands = planning.allowed_time(at, "America/Halifax")
    assert islands.astimezone(planning.local_time.zone("America/Halifax")).hour == 8
    assert islands - at == timedelta(hours=10, minutes=30)
    early = local(timezone.now().date(), 7, 15)
    assert planning.allowed_time(early, "America/Toronto") == local(timezone.now().date(), 8, 0)


def test_a_text_due_in_the_quiet_hours_waits_for_8_h(bookable, employer_a, opted_in, sms_outbox, frozen_now):
    wednesday = tuesday(8, 30) + timedelta(days=1)
    appointment = book(bookable, employer_a, wednesday)
    reminders = texts_of(appointment, Kind.REMINDER)
    assert [r.scheduled_at for r in reminders] == [
        tuesday(8, 30),
        wednesday - timedelta(minutes=30),
    ]  # not 6 h 30
    frozen_now.move_to(local(timezone.now().date(), 22, 0))  # Monday 22 h: cancelled late at night
    booking.cancel_appointment(appointment=appointment, by=employer_a)
    (cancellation,) = texts_of(appointment, Kind.CANCELLATION)
    assert (cancellation.status, cancellation.scheduled_at) == (Status.PENDING, tuesday(8, 0))
    assert len(sms_outbox) == 1  # the confirmation, in the morning
    frozen_now.move_to(tuesday(7, 59))
    assert sending.send_due() == {}
    frozen_now.move_to(tuesday(8, 0) + timedelta(seconds=5))
    assert sending.send_due() == {"sent": 1}
    assert "annulé" in sms_outbox[-1]["body"]


def test_a_text_whose_queue_ran_into_the_quiet_hours_is_deferred_at_sending_time(
    bookable, employer_a, opted_in, sms_outbox, frozen_now
):
    book(bookable, employer_a)
    frozen_now.move_to(local(timezone.now().date(), 21, 30))  # the 24 h reminder was due at 10 h 30
    SmsMessage.objects.filter(kind=Kind.REMINDER, minutes_before=1440).update(scheduled_at=timezone.now())
    assert sending.send_due() == {"deferred": 1}
    row = SmsMessage.objects.get(kind=Kind.REMINDER, minutes_before=1440)
    assert (
        row.status == Status.PENDING
        and row.next_attempt_at.astimezone(planning.local_time.zone("America/Toronto")).hour == 8
    )


def test_no_text_at_all_when_the_appointment_is_before_the_end_of_the_quiet_hours(
    bookable, employer_a, opted_in
):
    appointment = book(bookable, employer_a)
    early = Appointment.objects.get(pk=appointment.pk)
    early.starts_at = tuesday(7, 45)
    contact = SmsContact.objects.get(user=employer_a)
    message = planning._message(early, contact, kind=Kind.REMINDER, scheduled_at=tuesday(5, 45), once_key="x")
    assert (message.status, message.reason) == (Status.SKIPPED, Reason.QUIET_HOURS)


# --- Failures ------------------------------------------------------------------------------------


def test_an_invalid_number_is_not_retried_marked_refused_and_the_person_is_emailed(
    bookable, employer_a, opted_in, sms_outbox, frozen_now
):
    MemoryProvider.fail_with = [SendError("invalid", outcome="permanent", code="21211", invalid_number=True)]
    mail.outbox = []
    appointment = book(bookable, employer_a)
    (confirmation,) = texts_of(appointment, Kind.CONFIRMATION)
    assert (confirmation.status, confirmation.reason, confirmation.attempts) == (
        Status.FAILED,
        Reason.NUMBER_REFUSED,
        1,
    )
    contact = SmsContact.objects.get(user=employer_a)
    assert contact.invalid_at is not None and not contact.can_receive
    refused = [m for m in mail.outbox if m.to == [employer_a.email] and "textos" in m.subject]
    assert len(refused) == 1 and "0101" in refused[0].body and "+18195550101" not in refused[0].body
    frozen_now.move_to(appointment.starts_at - timedelta(hours=24) + timedelta(minutes=1))
    assert sending.send_due() == {"skipped": 1}  # the reminder: nothing goes to a refused number
    assert sms_outbox == []
    assert MonthlyUsage.objects.get().messages == 0  # a refused text costs nothing


def test_a_new_number_clears_the_refusal(bookable, employer_a, opted_in):
    services.mark_number_refused(user_id=employer_a.pk, number="+18195550101", reason="21211")
    contact = services.save_preferences(
        user=employer_a, number="+18195550199", opted_in=True, changes=True, reminders="all"
    )
    assert contact.can_receive


def test_a_provider_that_could_not_take_the_text_is_asked_again_later(
    bookable, employer_a, opted_in, sms_outbox, frozen_now
):
    MemoryProvider.fail_with = [SendError("busy", outcome="retry", code="429")]
    appointment = book(bookable, employer_a)
    (confirmation,) = texts_of(appointment, Kind.CONFIRMATION)
    assert (confirmation.status, confirmation.reason) == (Status.PENDING, Reason.RETRYING)
    assert confirmation.next_attempt_at == timezone.now() + timedelta(minutes=1)
    frozen_now.shift(61)
    assert sending.send_due() == {"sent": 1}
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts, confirmation.reason) == (Status.SENT, 2, "")
    assert MonthlyUsage.objects.get().messages == 1


def test_a_text_the_provider_may_have_sent_is_never_sent_again(bookable, employer_a, opted_in, frozen_now):
    MemoryProvider.fail_with = [SendError("timeout", outcome="ambiguous")]
    appointment = book(bookable, employer_a)
    (confirmation,) = texts_of(appointment, Kind.CONFIRMATION)
    assert (confirmation.status, confirmation.reason) == (Status.UNKNOWN, Reason.NO_ANSWER)
    frozen_now.shift(600)  # before the first reminder is due
    assert sending.send_due() == {}


def test_a_text_left_sending_by_a_dead_worker_is_sent_again_only_where_the_provider_deduplicates(
    bookable, employer_a, opted_in, frozen_now
):
    appointment = book(bookable, employer_a)
    reminders = texts_of(appointment, Kind.REMINDER)
    SmsMessage.objects.filter(pk__in=[r.pk for r in reminders]).update(
        status=Status.SENDING, next_attempt_at=timezone.now() - timedelta(seconds=1), provider="memory"
    )
    SmsMessage.objects.filter(pk=reminders[1].pk).update(provider="twilio")
    assert sending.resolve_stale_sending(provider=MemoryProvider()) == 2
    assert [m.status for m in texts_of(appointment, Kind.REMINDER)] == [Status.PENDING, Status.UNKNOWN]

    class OnceOnly(Provider):
        name, idempotent = "twilio", False

    SmsMessage.objects.filter(pk=reminders[0].pk).update(
        status=Status.SENDING, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert sending.resolve_stale_sending(provider=OnceOnly()) == 1
    assert texts_of(appointment, Kind.REMINDER)[0].status == Status.UNKNOWN


# --- The month's cap -----------------------------------------------------------------------------


def test_past_the_months_cap_texts_are_not_sent_and_counted(
    bookable, employer_a, opted_in, sms_outbox, settings
):
    settings.SMS_COST_PER_SEGMENT = Decimal("0.0100")
    settings.SMS_MONTHLY_CAP = Decimal("0.0150")
    before = sending.CAP_REFUSALS._value.get()
    first = book(bookable, employer_a)
    second = book(bookable, employer_a, tuesday(14, 0))
    assert len(sms_outbox) == 1
    assert texts_of(first, Kind.CONFIRMATION)[0].status == Status.SENT
    refused = texts_of(second, Kind.CONFIRMATION)[0]
    assert (refused.status, refused.reason) == (Status.SKIPPED, Reason.CAP)
    usage = MonthlyUsage.objects.get()
    assert (usage.messages, usage.segments, usage.cost, usage.refused) == (1, 1, Decimal("0.0100"), 1)
    assert sending.CAP_REFUSALS._value.get() == before + 1
    from sms.selectors import sms_gauges

    gauges = {name: value for name, _help, value in sms_gauges()}
    assert gauges["midi_sms_month_cost_dollars"] == 0.01 and gauges["midi_sms_month_cap_dollars"] == 0.015


# --- Opting in and out ---------------------------------------------------------------------------


def test_opting_in_after_booking_plans_the_reminders_of_upcoming_appointments(bookable, employer_a):
    appointment = book(bookable, employer_a)
    assert texts_of(appointment) == []
    services.save_preferences(
        user=employer_a, number="+18195550101", opted_in=True, changes=True, reminders="last"
    )
    assert [r.minutes_before for r in texts_of(appointment, Kind.REMINDER)] == [120]
    services.save_preferences(
        user=employer_a, number="+18195550101", opted_in=False, changes=True, reminders="last"
    )
    assert texts_of(appointment, Kind.REMINDER) == []


@pytest.mark.parametrize("reply", ["STOP", "stop", "Arrêt", "ARRET", " Stop. "])
def test_replying_stop_stops_every_text(bookable, employer_a, opted_in, reply):
    appointment = book(bookable, employer_a)
    assert services.record_reply(number="+18195550101", body=reply) == 1
    contact = SmsContact.objects.get(user=employer_a)
    assert (contact.opted_in_at, contact.opted_out_by) == (None, SmsContact.OptOut.REPLY)
    assert {r.status for r in texts_of(appointment, Kind.REMINDER)} == {Status.SKIPPED}


def test_another_reply_changes_nothing(employer_a, opted_in):
    assert services.record_reply(number="+18195550101", body="Merci, à demain") == 0
    assert SmsContact.objects.get(user=employer_a).can_receive


def test_a_phone_appointment_says_by_phone(bookable, employer_a, opted_in, sms_outbox):
    advisor = bookable.advisor_a
    booking.book_appointment(
        company=employer_a.employer_profile.company,
        booked_by=employer_a,
        topic=bookable.topic,
        mode=Mode.PHONE,
        location=bookable.municipality_a,
        choice=booking.SlotChoice(advisor.pk, advisor.home_service_point_id, tuesday(10, 30)),
        contact_phone="+18195550101",
    )
    assert "à 10 h 30, par téléphone." in sms_outbox[0]["body"]


# --- Law 25 --------------------------------------------------------------------------------------


def test_closing_the_account_forgets_the_number_and_texts_nothing_more(
    bookable, employer_a, opted_in, sms_outbox
):
    from privacy.services import close_account

    appointment = book(bookable, employer_a)
    close_account(user=employer_a)
    assert not SmsContact.objects.exists()
    assert len(sms_outbox) == 1  # the confirmation; no text about the cancellation
    assert set(SmsMessage.objects.values_list("to", flat=True)) == {""}
    assert {m.status for m in texts_of(appointment, Kind.REMINDER)} <= {Status.SKIPPED}


def test_the_retention_task_blanks_the_numbers_of_old_texts(
    bookable, employer_a, opted_in, frozen_now, settings
):
    from privacy.services import purge_expired_personal_details

    appointment = book(bookable, employer_a)
    assert SmsMessage.objects.get(kind=Kind.CONFIRMATION).to == "+18195550101"
    frozen_now.move_to(appointment.ends_at + timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS + 1))
    purge_expired_personal_details()
    assert set(SmsMessage.objects.values_list("to", "body").distinct()) == {("", "")}


def test_the_data_export_holds_the_number_and_the_consent(client_for, employer_a, opted_in):
    from privacy.data_export import company_data

    texts = company_data(employer_a.employer_profile.company, employer_a)["you"]["texts"]
    assert texts["mobile_number"] == "+18195550101" and texts["agreed_at"] and texts["reminders"]


def test_a_long_run_claims_again_when_half_the_lease_is_spent(
    bookable, employer_a, opted_in, sms_outbox, frozen_now
):
    book(bookable, employer_a, tuesday(10, 30))
    book(bookable, employer_a, tuesday(14, 0))
    frozen_now.move_to(tuesday(8, 31))  # due: both 24 h reminders, and the 2 h one of 10 h 30
    calls = []
    real_send_one = sending.send_one

    def slow_send_one(message, token, provider=None):
        calls.append(message.pk)
        sending.time.sleep(0.6)  # half the lease below is spent after the first text
        return real_send_one(message, token, provider=provider)

    import unittest.mock

    with unittest.mock.patch.object(sending, "send_one", slow_send_one):
        outcomes = sending.send_due(lease_seconds=1, batch_size=10)
    assert outcomes == {"sent": 3} and len(calls) == 3  # three claims, nothing left behind
