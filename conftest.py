"""Shared fixtures: the personas every feature is tested from, and the service markers.

Tests marked `postgres` or `redis` skip with a visible reason when the service is not
configured, and fail instead when REQUIRE_SERVICES=1 (CI).
"""

import os
import re

os.environ.setdefault("SECRET_KEY", "tests-not-secret")
os.environ.setdefault("DEBUG", "0")
# PostgreSQL acknowledges a test's commits before flushing them to disk (libpq reads PGOPTIONS, and
# the processes the tests start inherit it): locks, constraints and isolation are unchanged, only
# durability across a crash of the server is given up, which no test needs. About a quarter of a
# database-heavy test's time.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")

import pytest

from tests import factories  # noqa: E402
from tests.processes import redis_database  # noqa: E402

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# clamd_url: a real clamd for the scanning tests (session fixture).
pytest_plugins = ["tests.clamd"]


SHARED_REDIS_DATABASE = 0


def _redis_database_per_worker(settings) -> None:
    """Under pytest-xdist each worker empties the cache before every test and starts Celery
    workers of its own: each takes the next Redis database after REDIS_URL's (gw0 keeps it, gw1
    the next…), in the settings and in the environment the processes it starts inherit."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    base = redis_database(settings.REDIS_URL)
    number = base + int(worker.removeprefix("gw"))
    if number > 15:
        pytest.exit(f"Redis has databases 0 to 15: REDIS_URL's {base} leaves too few for {worker}.", 4)
    url = re.sub(r"/\d*$", "", settings.REDIS_URL.split("?")[0]) + f"/{number}"
    settings.REDIS_URL = url
    settings.CACHES["default"]["LOCATION"] = url
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = url
    os.environ["REDIS_URL"] = url


def pytest_configure(config):
    """Tests run with production static files (WhiteNoise + manifest): collect them first."""
    from django.conf import settings
    from django.core.management import call_command

    # Every test empties the cache's Redis database (_fresh_caches): never the machine's shared
    # database 0, whatever REDIS_URL a developer's shell or .env carries.
    if settings.REDIS_URL and redis_database(settings.REDIS_URL) == SHARED_REDIS_DATABASE:
        pytest.exit(
            "REDIS_URL selects Redis database 0, which the tests would empty: give them a database "
            "of their own, e.g. redis://127.0.0.1:6379/9 (.ci/run does).",
            returncode=4,
        )
    if settings.REDIS_URL:
        _redis_database_per_worker(settings)
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # once, before pytest-xdist starts its workers
        call_command("collectstatic", "--noinput", verbosity=0)


def pytest_collection_modifyitems(config, items):
    """The tests marked `long` start first, longest first; the others keep their order. Each
    pytest-xdist worker then takes the short ones as it frees up (worksteal), and no worker
    is left alone at the end with a long one to run while the others have nothing left."""

    def seconds(item) -> float:
        mark = item.get_closest_marker("long")
        return mark.args[0] if mark else 0

    items.sort(key=seconds, reverse=True)  # stable


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that migrates its database back and forth (marked `migrates`), and after the
    flush that ends it: the catalogue generation row is there again, as on a migrated database
    (the tests after it on this database read it)."""
    yield
    if item.get_closest_marker("migrates") is None:
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    from core import catalogue

    with item.config.stash[blocking_manager_key].unblock():
        if catalogue.current_generation() is None:
            with connection.schema_editor() as editor:
                catalogue.create_generation(editor)


def _service_missing(marker: str) -> str | None:
    from django.conf import settings

    if marker == "postgres" and not settings.IS_POSTGRES:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis"):
        if item.get_closest_marker(marker):
            reason = _service_missing(marker)
            if reason and REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
            elif reason:
                pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def _static_files_described_once():
    """A server process builds WhiteNoise's table of static files once; the tests build a
    middleware chain per test client, thousands in a run, and each described every file of
    STATIC_ROOT again (a twentieth of a second each, an eighth of a page-walking test's time).
    The table of a root, prefix and set of WhiteNoise settings is built by the first middleware
    and shared by the next ones, as one process's requests share it (its entries are read-only;
    collectstatic ran before the tests and no test writes to STATIC_ROOT)."""
    from django.conf import settings
    from whitenoise.base import WhiteNoise

    original = WhiteNoise.update_files_dictionary
    tables = {}

    def update_files_dictionary(self, root, prefix):
        key = (type(self), root, prefix, self.max_age, self.allow_all_origins, self.charset)
        key += (self.add_headers_function, self.index_file, self.__dict__.get("immutable_file_test"))
        key += (repr(getattr(settings, "WHITENOISE_MIMETYPES", None)),)
        if key not in tables:
            kept, self.files = self.files, {}
            try:
                original(self, root, prefix)
                tables[key] = self.files
            finally:
                self.files = kept
        self.files.update(tables[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhiteNoise, "update_files_dictionary", update_files_dictionary)
        yield


@pytest.fixture(autouse=True)
def _celery_runs_tasks_in_process():
    """Tasks queued by the code under test run in the test process, never on a real broker
    (tests about Celery itself start real workers in subprocesses)."""
    from midi_regions.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Cached pages, users, the datalist and rate-limit counters outlive each test's rolled-back
    rows (and, on Redis, the test run): every test starts with an empty cache. On Redis that
    empties the tests' own database (FLUSHDB of REDIS_URL's number, never 0: pytest_configure)."""
    from django.core.cache import cache

    from core.page_cache import forget_pages

    cache.clear()
    forget_pages()


@pytest.fixture(autouse=True)
def _fast_passwords_and_french(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Staff sign in with force_login in most tests; accounts/tests/test_staff_mfa.py turns MFA on.
    settings.REQUIRE_STAFF_MFA = False
    settings.LANGUAGE_CODE = "fr-ca"


@pytest.fixture
def network(db):
    """A small directorate pair with regions, points, topics and advisers (not the full seed)."""
    return factories.small_network()


@pytest.fixture
def employer_a(network):
    return factories.EmployerProfileFactory(company__municipality=network.municipality_a).user


@pytest.fixture
def employer_b(network):
    return factories.EmployerProfileFactory(company__municipality=network.municipality_b).user


@pytest.fixture
def advisor(network):
    return network.advisor_a.user


@pytest.fixture
def other_advisor(network):
    return network.advisor_b.user


@pytest.fixture
def manager(network):
    return network.directorate_a.manager


@pytest.fixture
def other_manager(network):
    return network.directorate_b.manager


@pytest.fixture
def partner_a(network):
    """A Services Québec business adviser in Trois-Rivières (a partner organisation's member)."""
    return factories.partner(
        organisation="Services Québec",
        office="Bureau de Services Québec de Trois-Rivières",
        municipality=network.municipality_a,
    )


@pytest.fixture
def partner_b(network):
    """A member of another partner organisation (a regional economic development office)."""
    return factories.partner(
        organisation="Développement économique Montréal",
        office="Bureau du centre-ville",
        municipality=network.municipality_b,
    )


@pytest.fixture
def administrator(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def new_user(db):
    return factories.UserFactory()


@pytest.fixture
def client_for():
    """client_for(user) → a client of its own signed in as user (None: anonymous). Each call gives
    a new client: one person's client never changes hands when a test signs another person in."""
    from tests.clients import signed_in

    return signed_in


@pytest.fixture
def frozen_now():
    """The clock stopped at booking_helpers.NOW (Monday 23 November 2026, 10:00 in Québec)."""
    import time_machine

    from tests.booking_helpers import NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def commits_at_once(monkeypatch):
    """The test transaction never commits: run what services queue "after commit" right away."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def bookable(network):
    """The small network with both advisers open Monday to Friday at their home point."""
    from tests.booking_helpers import open_weekdays

    open_weekdays(network.advisor_a)
    open_weekdays(network.advisor_b)
    return network


@pytest.fixture
def booked(bookable, employer_a):
    """Employer A's appointment with adviser A on Tuesday at 10:30, with a message for the adviser;
    the booking's emails already gone (mail.outbox is empty)."""
    from django.core import mail

    from tests.booking_helpers import book

    appointment = book(bookable, employer_a, message="Deux postes de soudeur à pourvoir.")
    mail.outbox.clear()
    return appointment


@pytest.fixture
def world(
    bookable,
    employer_a,
    employer_b,
    advisor,
    other_advisor,
    manager,
    other_manager,
    administrator,
    private_storage,
    partner_a,
    partner_b,
):
    """Rows of company A, adviser A, directorate A and partner A for the authorization matrix and
    the fuzzing tests: URL kwargs by builder name, query strings, and the ten people."""
    from datetime import time, timedelta

    from accounts import invitations
    from accounts.tokens import create_token
    from advisors.models import AvailabilityException, TimeOff, WeeklyAvailability
    from agenda.feed import ensure_feed_token
    from appointments import links
    from appointments.models import Mode
    from appointments.templatetags.booking import utc_param
    from calendar_sync.models import BusySource
    from company_files import documents as file_documents
    from company_files import services as file_services
    from consultations.models import ConsultationRequest
    from feedback import links as survey_links
    from feedback.models import Survey
    from sms.links import code_for
    from sms.models import SmsMessage
    from tests.booking_helpers import book, tuesday
    from waitlist.models import SlotHold, WaitlistEntry
    from waitlist.services import offer_token

    network = bookable
    company_a = employer_a.employer_profile.company
    invitation = invitations.invite(company=company_a, by=employer_a, email="colleague-a@example.org")
    appointment = book(network, employer_a, company=company_a)
    request = ConsultationRequest.objects.create(
        company=company_a,
        requested_by=employer_a,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        municipality=network.municipality_a,
        status=ConsultationRequest.Status.ASSIGNED,
        assigned_advisor=network.advisor_a,
        hops=1,
    )
    # Company A waits for another time of the topic; one is held for it on Wednesday.
    waiting = WaitlistEntry.objects.create(
        company=company_a,
        joined_by=employer_a,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        municipality=network.municipality_a,
        status=WaitlistEntry.Status.OFFERED,
    )
    held = SlotHold.objects.create(
        entry=waiting,
        advisor=network.advisor_a,
        service_point=network.point_a,
        starts_at=tuesday(15) + timedelta(days=1),
        ends_at=tuesday(16) + timedelta(days=1),
        expires_at=tuesday(15),
    )
    # Adviser A presents an information session on Thursday afternoon; company A is registered.
    from group_sessions import links as session_links
    from group_sessions import services as sessions
    from group_sessions.tests.helpers import make_session

    session = make_session(network)
    registration = sessions.register(
        session=session,
        company=company_a,
        by=employer_a,
        people=[sessions.Person("Annie Gélinas", "annie@example.org")],
    )
    # Company A's file, held by adviser A, with one document requested.
    programs = factories.file_programs(network.topic)
    company_file = file_services.open_file(
        company=company_a, program=programs["travailleurs-etrangers-temporaires"], by=network.advisor_a.user
    )
    file_document = file_services.request_document(
        file=company_file, by=network.advisor_a.user, title="Contrat de travail signé"
    )
    # A document the company sent on it, found clean (a quarantined one: company_files/tests).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.antivirus import ScanStatus
    from tests import sample_files

    sent, _created = file_documents.upload_document(
        file=company_file, by=employer_a, upload=SimpleUploadedFile("attestation.pdf", sample_files.pdf())
    )
    type(sent).objects.filter(pk=sent.pk).update(scan_status=ScanStatus.CLEAN)

    # Partner A referred company A (it joins its open request: no new row elsewhere); a contact
    # of another referral has an account to claim (no password yet).
    from referrals import claims
    from referrals.models import Referral
    from referrals.services import CompanyData, ReferralData, refer_company

    referral = refer_company(
        partner=partner_a,
        data=ReferralData(
            company=CompanyData(
                legal_name=company_a.legal_name, municipality=company_a.municipality, neq=company_a.neq
            ),
            contact_name=employer_a.get_full_name(),
            contact_email=employer_a.email,
            topic=network.topic,
            mode=Mode.PHONE,
            need="Trois boulangers à recruter.",
            consent_given_by=employer_a.get_full_name(),
            consent_given_at=tuesday(9) - timedelta(days=2),
            consent_method=Referral.ConsentMethod.PHONE,
        ),
    )
    to_claim = factories.UserFactory(email="m.gervais@epidor.example", password=None)
    args = {
        "referral": {"uid": referral.uid},
        "claim": {"token": claims.claim_token(to_claim)},
        "group_session": {"uid": session.uid},
        "group_registration": {"token": session_links.manage_token(registration)},
        "group_registration_uid": {"uid": registration.uid},
        "company_file": {"uid": company_file.uid},
        "file_upload": {"uid": company_file.uid, "document_uid": sent.uid},
        "api_file_upload": {"uid": company_file.uid, "document": sent.uid},
        "program": {"code": company_file.program.code},
        "file_document": {"uid": company_file.uid, "pk": file_document.pk},
        "feed": {"token": ensure_feed_token(network.advisor_a)},
        "point": {"code": network.point_a.code},
        "block": {"pk": WeeklyAvailability.objects.filter(advisor=network.advisor_a).first().pk},
        "exception": {
            "pk": AvailabilityException.objects.create(
                advisor=network.advisor_a,
                date=tuesday(0).date(),
                kind="open",
                start_time=time(17),
                end_time=time(18),
            ).pk
        },
        "time_off": {
            "pk": TimeOff.objects.create(
                advisor=network.advisor_a, starts_at=tuesday(17), ends_at=tuesday(18)
            ).pk
        },
        "busy_source": {
            "pk": BusySource.objects.create(
                advisor=network.advisor_a,
                kind=BusySource.Kind.ICS,
                name="Outlook",
                url_encrypted="",
                host="outlook.office365.com",
                next_sync_at=tuesday(0),
            ).pk
        },
        "appointment": {"uid": appointment.uid},
        "manage": {"token": links.manage_token(appointment)},
        "request": {"uid": request.uid},
        "directorate": {"code": network.directorate_a.code},
        "topic": {"code": network.topic.code},
        "municipality": {"id": int(network.municipality_a.code)},
        "api_token": {"pk": create_token(user=employer_a, name="matrix")[0].pk},
        "invitation": {"pk": invitation.pk},
        "invitation_link": {"token": invitation.token},  # sent to someone none of the people is
        "waitlist_entry": {"uid": waiting.uid},
        "offer": {"token": offer_token(held)},
        # The confirmation step of a new time (Tuesday 14:00, free), signed in and by the link.
        "reschedule_choice": {"uid": appointment.uid},
        "manage_choice": {"token": links.manage_token(appointment)},
        # A text's short link (sms.links): the signed code is the credential.
        "sms_link": {
            "code": code_for(
                SmsMessage.objects.create(
                    appointment=appointment,
                    user=employer_a,
                    kind=SmsMessage.Kind.CONFIRMATION,
                    once_key="matrix",
                    scheduled_at=appointment.created_at,
                    status=SmsMessage.Status.SENT,
                ).pk
            )
        },
        # The survey of company A's appointment (made directly: the appointment is still to come).
        "survey": {
            "token": survey_links.survey_token(
                Survey.objects.create(appointment=appointment, recipient=employer_a)
            )
        },
    }
    new_time = f"?advisor={network.advisor_a.pk}&point={network.point_a.pk}&at={utc_param(tuesday(14))}"
    query = {
        "week": "?start=2026-11-23&end=2026-11-30",
        "search": f"?topic={network.topic.code}&mode={Mode.SERVICE_POINT}&municipality=Trois-Rivi%C3%A8res",
        "api_search": (
            f"?topic={network.topic.code}&mode={Mode.SERVICE_POINT}"
            f"&municipality={int(network.municipality_a.code)}"
        ),
        "reschedule_choice": new_time,
        "manage_choice": new_time,
    }
    people = {
        "anonymous": None,
        "employer_a": employer_a,
        "employer_b": employer_b,
        "advisor": advisor,
        "other_advisor": other_advisor,
        "manager": manager,
        "other_manager": other_manager,
        "admin": administrator,
        "partner_a": partner_a,
        "partner_b": partner_b,
    }
    return args, query, people


@pytest.fixture
def private_storage(settings, tmp_path):
    """The private document storage in a folder of this test's own (core.uploads)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def scanner(settings, clamd_url):
    """CLAMD_URL pointing at the session's real clamd (tests/clamd.py)."""
    settings.CLAMD_URL = clamd_url
    settings.CLAMD_TIMEOUT_SECONDS = 30
    return clamd_url
