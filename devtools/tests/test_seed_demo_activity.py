"""seed_demo_activity: the demo employer gets appointments (office, phone) and a request, once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from midi_regions.seeding import seed_network

pytestmark = pytest.mark.usefixtures("frozen_now", "commits_at_once")


def test_the_demo_employer_gets_three_appointments_and_a_request_once(db):
    seed_network(demo_users=True)
    call_command("seed_demo_activity", stdout=StringIO())
    appointments = list(Appointment.objects.order_by("starts_at"))
    assert sorted(a.mode for a in appointments) == sorted([Mode.SERVICE_POINT, Mode.PHONE, Mode.VIDEO])
    phone = next(a for a in appointments if a.mode == Mode.PHONE)
    assert phone.contact_phone == "+18195550101"
    assert next(a for a in appointments if a.mode == Mode.VIDEO).meeting_url.startswith("https://")
    assert {a.company.legal_name for a in appointments} == {"Usinage Laviolette inc."}
    assert ConsultationRequest.objects.count() == 1

    out = StringIO()
    call_command("seed_demo_activity", stdout=out)
    assert Appointment.objects.count() == 3 and ConsultationRequest.objects.count() == 1
    assert "nothing to do" in out.getvalue()


def test_it_asks_for_the_demo_users_first(db):
    with pytest.raises(CommandError, match="seed_network --demo-users"):
        call_command("seed_demo_activity", stdout=StringIO())
