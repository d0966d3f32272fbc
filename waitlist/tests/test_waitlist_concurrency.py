"""Offer-and-hold under concurrency (PostgreSQL): one freed time, 20 companies waiting, several
workers running the offer at once → one offer, to the first in line; then the holder and the
others racing for that time → at most one booking, the holder's."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from appointments import services
from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from tests.booking_helpers import NOW, open_weekdays, tuesday
from tests.factories import EmployerProfileFactory
from waitlist import services as waitlist
from waitlist.models import SlotHold, WaitlistEntry

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("frozen_now"),
]

WAITING = 20
WORKERS = 8


def run_together(count, target):
    barrier = threading.Barrier(count)
    outcomes = Counter()
    lock = threading.Lock()

    def run(n):
        try:
            barrier.wait(timeout=30)
            outcome = target(n)
        except Exception as error:  # counted: the assertions show it
            outcome = getattr(error, "code", None) or f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_one_offer_in_line_order_and_at_most_one_booking(network, settings):
    # Offered at Monday 10:00, Tuesday 10:30 must stay bookable until the hold ends (one business
    # day of notice counted from then): a hold shorter than 30 minutes.
    settings.WAITLIST_HOLD_MINUTES = 15
    open_weekdays(network.advisor_a)
    booked = Appointment.objects.create(
        advisor=network.advisor_a,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        service_point=network.point_a,
        company=EmployerProfileFactory(company__municipality=network.municipality_a).company,
        municipality=network.municipality_a,
        starts_at=tuesday(10, 30),
        ends_at=tuesday(11, 30),
    )
    users = [
        EmployerProfileFactory(company__municipality=network.municipality_a).user for _ in range(WAITING)
    ]
    entries = []
    for n, user in enumerate(users):
        entries.append(
            WaitlistEntry.objects.create(
                company=user.employer_profile.company,
                joined_by=user,
                topic=network.topic,
                mode=Mode.SERVICE_POINT,
                municipality=network.municipality_a,
                weekdays=[1],
                time_of_day=ConsultationRequest.TimeOfDay.MORNING,
                until=tuesday(0).date(),
                created_at=NOW - timedelta(minutes=WAITING - n),
            )
        )
    # The cancellation commits; its offer task is about to run on several workers at once.
    booked.status = Appointment.Status.CANCELLED
    booked.save()

    outcomes = run_together(
        WORKERS,
        lambda _n: len(
            waitlist.offer_freed_time(
                advisor_id=network.advisor_a.pk, start=tuesday(10, 30), end=tuesday(11, 30)
            )
        ),
    )
    assert outcomes == {1: 1, 0: WORKERS - 1}, outcomes
    (hold,) = SlotHold.objects.filter(status=SlotHold.Status.ACTIVE)
    assert hold.entry_id == entries[0].pk and hold.starts_at == tuesday(10, 30)
    assert WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED).count() == 1

    # The database itself refuses a second active hold on an overlapping time.
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotHold.objects.create(
            entry=entries[1],
            advisor=network.advisor_a,
            starts_at=tuesday(11),
            ends_at=tuesday(12),
            expires_at=NOW + timedelta(hours=1),
        )

    # The holder confirms while the 19 others try to book that time directly.
    def race(n):
        if n == 0:
            waitlist.confirm(hold=hold, by=None)
            return "confirmed"
        services.book_appointment(
            company=entries[n].company,
            booked_by=None,
            topic=network.topic,
            mode=Mode.SERVICE_POINT,
            location=network.municipality_a,
            choice=services.SlotChoice(network.advisor_a.pk, network.point_a.pk, tuesday(10, 30)),
        )
        return "booked"

    outcomes = run_together(WAITING, race)
    assert outcomes == {"confirmed": 1, services.SLOT_TAKEN: WAITING - 1}, outcomes
    (appointment,) = Appointment.objects.filter(status=Appointment.Status.CONFIRMED)
    assert appointment.company_id == entries[0].company_id
