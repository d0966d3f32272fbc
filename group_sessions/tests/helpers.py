"""Building sessions for the tests: the small network's adviser A presents at their point."""

from datetime import time, timedelta

from django.core import mail

from advisors.models import Language
from group_sessions import outbox, services
from group_sessions.models import SessionMode
from tests import factories
from tests.booking_helpers import NOW

THURSDAY = NOW.date() + timedelta(days=3)  # Thursday 26 November 2026


def french(network=None) -> Language:
    return Language.objects.filter(code="fr").first() or factories.LanguageFactory(code="fr")


def session_data(network, **changes) -> services.SessionData:
    values = {
        "advisor": network.advisor_a,
        "topic": network.topic,
        "language": french(network),
        "mode": SessionMode.SERVICE_POINT,
        "service_point": network.point_a,
        "room": "Salle 2",
        "room_capacity": 40,
        "day": THURSDAY,
        "start_time": time(13, 30),
        "duration_minutes": 90,
        "capacity": 20,
        "max_party_size": 5,
        "deadline_hours": 24,
        "waitlist_enabled": True,
        "description": "Les étapes d’une demande d’EIMT.",
        "materials_url": "https://example.org/eimt.pdf",
    }
    values.update(changes)
    return services.SessionData(**values)


def make_session(network, by=None, **changes):
    return services.schedule_session(data=session_data(network, **changes), by=by or network.advisor_a.user)


def people(count: int, prefix: str = "p") -> list[services.Person]:
    return [services.Person(f"Personne {n}", f"{prefix}{n}@example.org") for n in range(count)]


def employer(network):
    return factories.EmployerProfileFactory(company__municipality=network.municipality_a).user


def register(session, user, count=1, *, waitlist=False, prefix=None):
    return services.register(
        session=session,
        company=user.employer_profile.company,
        by=user,
        people=people(count, prefix or f"u{user.pk}-"),
        waitlist=waitlist,
    )


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def send_all() -> dict:
    return outbox.send_due()
