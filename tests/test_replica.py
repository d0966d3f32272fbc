"""The dashboards read from a real PostgreSQL streaming replica, and fall back to the primary.

A private primary cluster (`initdb` + `pg_ctl`, its own port, under a temp dir) receives a copy
of the test database, a standby is made from it with `pg_basebackup -R` on another port, and the
test's "default" alias is pointed at the private primary while "replica" points at the standby:
what the tests write streams to the replica like production writes would. The shared server is
only read (pg_dump of the freshly migrated test database).
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment, Mode
from core import replica
from tests import factories
from tests.clients import signed_in

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"{name} not found under /usr/lib/postgresql/*/bin")
        pytest.skip(f"{name} not installed")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args, **kwargs):
    """PostgreSQL's server programs refuse to run as root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        prefix + [str(a) for a in args], check=True, capture_output=True, text=True, **kwargs
    )


class Cluster:
    def __init__(self, root: Path, name: str):
        self.dir, self.port, self.sockets = root / name, _free_port(), root

    def configure(self, **options):
        with (self.dir / "postgresql.auto.conf").open("a") as conf:
            for key, value in options.items():
                conf.write(f"{key} = '{value}'\n")

    def start(self):
        _as_postgres(
            [_bin("pg_ctl"), "-D", self.dir, "-l", self.dir / "server.log", "-w", "-t", "60", "start"]
        )

    def stop(self):
        _as_postgres([_bin("pg_ctl"), "-D", self.dir, "-m", "fast", "-w", "stop"])

    def sql(self, statement: str, database: str = "postgres") -> str:
        return _as_postgres(
            [
                _bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                self.port,
                "-U",
                "postgres",
                "-d",
                database,
                "-Atc",
                statement,
            ]
        ).stdout.strip()


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker):
    """A primary holding a copy of the test database and its streaming replica; "default" reads
    and writes the primary, "replica" the standby, for the tests of this module."""
    root = Path(tempfile.mkdtemp(prefix="midi-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    primary, standby = Cluster(root, "primary"), Cluster(root, "standby")
    default = connections["default"].settings_dict
    saved = {key: default[key] for key in ("HOST", "PORT", "NAME", "USER")}
    try:
        _as_postgres(
            [_bin("initdb"), "-D", primary.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        )
        common = {"listen_addresses": "127.0.0.1", "unix_socket_directories": root, "fsync": "off"}
        primary.configure(port=primary.port, wal_level="replica", max_wal_senders=4, **common)
        primary.start()
        primary.sql("CREATE DATABASE midi")
        dump = subprocess.run(
            [_bin("pg_dump"), "-h", saved["HOST"] or "127.0.0.1", "-p", str(saved["PORT"] or 5432)]
            + ["-U", saved["USER"] or "postgres", "--no-owner", "--no-privileges", saved["NAME"]],
            check=True,
            capture_output=True,
        ).stdout
        _as_postgres(
            [_bin("psql"), "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres", "-d", "midi", "-q"]
            + ["-v", "ON_ERROR_STOP=1"],
            input=dump.decode(),
        )
        _as_postgres(
            [_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres"]
            + ["-D", standby.dir, "-R", "-X", "stream", "--no-sync"]
        )
        standby.configure(port=standby.port, hot_standby="on", **common)
        standby.start()

        with django_db_blocker.unblock():
            connections["default"].close()
            default.update(HOST="127.0.0.1", PORT=str(primary.port), NAME="midi", USER="postgres")
            connections.settings[replica.ALIAS] = {
                **default,
                "PORT": str(standby.port),
                "TEST": {"MIRROR": "default"},
            }
            replica.forget()
            yield primary, standby
    finally:
        with django_db_blocker.unblock():
            if replica.ALIAS in connections.settings:
                connections[replica.ALIAS].close()
                del connections[replica.ALIAS]
                del connections.settings[replica.ALIAS]
            connections["default"].close()
            default.update(saved)
        replica.forget()
        for cluster in (standby, primary):
            if (cluster.dir / "postmaster.pid").exists():
                cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _booked(network, company):
    # Held earlier today: a day the roll-ups have not closed (a day closed before, rolled up by an
    # earlier test on this cluster, would be read from its roll-up, without this appointment).
    starts = factories_now() - timedelta(hours=1)
    return Appointment.objects.create(
        advisor=network.advisor_a,
        topic=network.topic,
        mode=Mode.PHONE,
        company=company,
        municipality=company.municipality,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        status=Appointment.Status.COMPLETED,
    )


def factories_now():
    from django.utils import timezone

    return timezone.now().replace(microsecond=0, second=0)


def _until_replayed(primary, standby, timeout=30.0):
    """Wait until the standby has replayed everything the primary wrote so far."""
    target = primary.sql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.1)
    raise AssertionError("the standby did not catch up")


def _appointment_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "appointments_appointment" in q["sql"]]


def test_dashboard_and_export_read_from_the_replica(pair, network, manager, administrator):
    primary, standby = pair
    company = factories.CompanyFactory(municipality=network.municipality_a)
    appointment = _booked(network, company)
    _until_replayed(primary, standby)
    replica.forget()

    client = signed_in(manager)
    with (
        CaptureQueriesContext(connections[replica.ALIAS]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = client.get(reverse("midi_regions:dashboard", kwargs={"code": network.directorate_a.code}))
    assert page.status_code == 200
    assert 'data-source="replica"' in page.content.decode()
    assert f"Données à jour il y a moins de {replica.freshness_bound()} s" in page.content.decode()
    assert page.context["figures"]["appointments"]["held"] == 1  # the replica has the appointment
    assert _appointment_queries(on_replica.captured_queries)
    assert not _appointment_queries(on_primary.captured_queries)

    admin = signed_in(administrator)
    with (
        CaptureQueriesContext(connections[replica.ALIAS]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = admin.get(reverse("midi_regions:national_export_appointments"))
        content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert str(appointment.uid) in content
    assert _appointment_queries(on_replica.captured_queries)
    assert not _appointment_queries(on_primary.captured_queries)


def test_a_replica_that_is_down_sends_the_reads_to_the_primary(pair, network, manager):
    primary, standby = pair
    company = factories.CompanyFactory(municipality=network.municipality_a)
    _booked(network, company)
    standby.stop()
    try:
        replica.forget()
        client = signed_in(manager)
        with CaptureQueriesContext(connections["default"]) as on_primary:
            page = client.get(reverse("midi_regions:dashboard", kwargs={"code": network.directorate_a.code}))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-source="primary"' in html
        assert "la base de données principale a donc répondu" in html
        assert page.context["figures"]["appointments"]["held"] == 1
        assert _appointment_queries(on_primary.captured_queries)
    finally:
        standby.start()
        replica.forget()


def test_a_replica_further_behind_than_the_bound_sends_the_reads_to_the_primary(pair, network, manager):
    primary, standby = pair
    company = factories.CompanyFactory(municipality=network.municipality_a)
    _until_replayed(primary, standby)
    standby.sql("SELECT pg_wal_replay_pause()")
    try:
        _booked(network, company)  # written on the primary, received by the standby, not replayed
        with override_settings(REPLICA_MAX_LAG_SECONDS=1, REPLICA_CHECK_SECONDS=1):
            time.sleep(2.5)
            replica.forget()
            assert replica.choose().state == "lagging"
            replica.forget()
            client = signed_in(manager)
            with CaptureQueriesContext(connections["default"]) as on_primary:
                page = client.get(
                    reverse("midi_regions:dashboard", kwargs={"code": network.directorate_a.code})
                )
        assert page.status_code == 200
        assert 'data-source="primary"' in page.content.decode()
        assert page.context["figures"]["appointments"]["held"] == 1  # the primary's figure, current
        assert _appointment_queries(on_primary.captured_queries)
    finally:
        standby.sql("SELECT pg_wal_replay_resume()")
        replica.forget()
    _until_replayed(primary, standby)
    replica.forget()
    assert replica.choose().state == "replica"
