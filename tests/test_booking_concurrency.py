"""Double booking is impossible, whatever the concurrency (PostgreSQL)."""

import threading
from collections import Counter

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from appointments import services
from appointments.models import Appointment, Mode
from tests.booking_helpers import NOW, open_weekdays, tuesday
from tests.factories import EmployerProfileFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


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
