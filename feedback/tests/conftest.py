"""The feedback app's fixtures: an appointment held, its survey."""

import pytest

from appointments import services
from appointments.models import Appointment
from tests.booking_helpers import tuesday


def mark_held(appointment: Appointment, *, now=None) -> Appointment:
    """The adviser records the appointment as held, after it (Tuesday at noon unless `now`)."""
    return services.record_outcome(
        appointment=appointment,
        by=appointment.advisor.user,
        status=Appointment.Status.COMPLETED,
        now=now or tuesday(12),
    )


@pytest.fixture
def held(booked):
    """Employer A's Tuesday appointment, marked held by adviser A: its survey is open."""
    return mark_held(booked)


@pytest.fixture
def survey(held):
    return held.survey
