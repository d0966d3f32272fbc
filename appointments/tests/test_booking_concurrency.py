"""Double booking is impossible, whatever the concurrency (PostgreSQL); the losers of a race
learn it without queueing behind each other."""

import threading
import time
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from appointments import selectors, services
from appointments.models import Appointment, Mode
from tests.booking_helpers import book, open_weekdays, tuesday
from tests.factories import EmployerProfileFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("frozen_now"),
]

THREADS = 50


def test_fifty_simultaneous_bookings_of_one_slot_make_exactly_one_appointment(network):
    open_weekdays(network.advisor_a)
    companies = [
        EmployerProfileFactory(company__municipality=network.municipality_a).company for _ in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    outcomes = Counter()
    lock = threading.Lock()

    def book(company):
        try:
            barrier.wait(timeout=30)
            services.book_appointment(
                company=company,
                booked_by=None,
                topic=network.topic,
                mode=Mode.SERVICE_POINT,
                location=network.municipality_a,
                choice=services.SlotChoice(network.advisor_a.pk, network.point_a.pk, tuesday(10, 30)),
            )
            outcome = "booked"
        except services.BookingError as error:
            outcome = error.code
        except Exception as error:  # counted, and the assertion below shows it
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=book, args=(company,)) for company in companies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == {"booked": 1, services.SLOT_TAKEN: THREADS - 1}, outcomes
    assert Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count() == 1


def test_the_database_itself_refuses_overlapping_appointments(network):
    company = EmployerProfileFactory(company__municipality=network.municipality_a).company
    fields = {
        "advisor": network.advisor_a,
        "topic": network.topic,
        "mode": Mode.PHONE,
        "company": company,
        "municipality": network.municipality_a,
    }
    Appointment.objects.create(starts_at=tuesday(10, 0), ends_at=tuesday(11, 0), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        # Bypasses every Python check: only the exclusion constraint stands in the way.
        Appointment.objects.create(starts_at=tuesday(10, 30), ends_at=tuesday(11, 30), **fields)
    # Back to back is fine, and a cancelled appointment does not block its time.
    Appointment.objects.create(starts_at=tuesday(11, 0), ends_at=tuesday(12, 0), **fields)
    Appointment.objects.create(
        starts_at=tuesday(10, 30), ends_at=tuesday(11, 30), status=Appointment.Status.CANCELLED, **fields
    )
    assert Appointment.objects.count() == 3


# How long the slot computation takes in the tests below: long enough that a queue of losers each
# redoing it (the old behaviour) cannot be mistaken for noise on a busy machine.
SLOW = 1.0
RACERS = 30


def slowed_slot_computation(monkeypatch, seconds: float) -> list:
    """Make the slot computation under the adviser's lock take `seconds`; returns the list of
    calls, one entry per booking that computed the slot."""
    calls = []
    original = selectors.find_free_slot

    def slow(**kwargs):
        calls.append(threading.get_ident())
        time.sleep(seconds)
        return original(**kwargs)

    monkeypatch.setattr(selectors, "find_free_slot", slow)
    return calls


def race(network, companies, at):
    """Every company books `at` with advisor_a at the same instant: (outcome counts, seconds
    each refusal took)."""
    barrier = threading.Barrier(len(companies))
    outcomes = Counter()
    refusals = []
    lock = threading.Lock()

    def attempt(company):
        started = None
        try:
            barrier.wait(timeout=30)
            started = time.monotonic()
            services.book_appointment(
                company=company,
                booked_by=None,
                topic=network.topic,
                mode=Mode.SERVICE_POINT,
                location=network.municipality_a,
                choice=services.SlotChoice(network.advisor_a.pk, network.point_a.pk, at),
            )
            outcome = "booked"
        except services.BookingError as error:
            outcome = error.code
        except Exception as error:  # counted, and the assertions show it
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1
            if outcome != "booked" and started is not None:
                refusals.append(time.monotonic() - started)

    threads = [threading.Thread(target=attempt, args=(company,)) for company in companies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, refusals


def companies_of(network, count):
    return [
        EmployerProfileFactory(company__municipality=network.municipality_a).company for _ in range(count)
    ]


def test_the_losers_of_a_race_learn_it_without_queueing_behind_a_slow_check(network, monkeypatch):
    open_weekdays(network.advisor_a)
    companies = companies_of(network, RACERS)
    calls = slowed_slot_computation(monkeypatch, SLOW)

    outcomes, refusals = race(network, companies, tuesday(10, 30))

    assert outcomes == {"booked": 1, services.SLOT_TAKEN: RACERS - 1}, outcomes
    assert Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count() == 1
    # Only the winner computed the slot: the others waited for its outcome side by side (or came
    # after it) and were refused by the cheap overlap query. In line, each would have redone the
    # slow computation: the last refusal after about RACERS × SLOW = 30 s.
    assert len(calls) == 1, len(calls)
    assert max(refusals) < 4 * SLOW, sorted(refusals)[-3:]


def test_without_the_fast_refusal_every_loser_redoes_the_slot_computation(network, monkeypatch, settings):
    # The control for the test above (and the baseline of bench/booking_race.py): the queue.
    settings.BOOKING_FAST_REFUSAL = False
    open_weekdays(network.advisor_a)
    calls = slowed_slot_computation(monkeypatch, SLOW / 4)

    outcomes, _refusals = race(network, companies_of(network, 4), tuesday(10, 30))

    assert outcomes == {"booked": 1, services.SLOT_TAKEN: 3}, outcomes
    assert len(calls) == 4


def test_a_racer_waiting_for_the_time_books_it_when_the_first_booking_fails(network, monkeypatch):
    """Waiting for the claim's holder never turns into a refusal by itself: the holder here is
    refused for its own reason (its company's limit), and the one waiting books the time."""
    open_weekdays(network.advisor_a)
    network.topic.max_upcoming_per_company = 1
    network.topic.save(update_fields=["max_upcoming_per_company"])
    full, other = (EmployerProfileFactory(company__municipality=network.municipality_a).user for _ in "ab")
    book(network, full, tuesday(13))  # `full` is at its limit now
    inside = threading.Event()
    original = services._check_limits

    def slow_limits(company, *args):
        if company == full.employer_profile.company:
            inside.set()  # the claim on 10:30 and the adviser's row are held now
            time.sleep(SLOW)
        return original(company, *args)

    monkeypatch.setattr(services, "_check_limits", slow_limits)
    refused = []

    def first():
        try:
            book(network, full, tuesday(10, 30))
        except services.BookingError as error:
            refused.append(error.code)
        finally:
            connection.close()

    holder = threading.Thread(target=first)
    holder.start()
    assert inside.wait(timeout=30)
    started = time.monotonic()
    appointment = book(network, other, tuesday(10, 30))
    waited = time.monotonic() - started
    holder.join(timeout=30)

    assert refused == [services.LIMIT_UPCOMING]
    assert appointment.company == other.employer_profile.company
    assert appointment.starts_at == tuesday(10, 30)
    assert waited > SLOW / 2  # it did wait for the holder's outcome
