"""/healthz is liveness (the process answers, nothing checked); /readyz is readiness: the
database, its migrations, the broker and the cache, 503 naming what failed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_it_reports_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "broker", "cache"}
    assert all(check["ok"] for check in body["checks"].values())


def test_it_is_not_ready_while_migrations_are_pending(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    # The code on disk has a migration the database lacks (deployed before `migrate` ran).
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("a", False)] * 2)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["migrations"] == {
        "ok": False,
        "error": "PendingMigrations",
        "pending": 2,
        "ms": body["checks"]["migrations"]["ms"],
    }
    assert body["checks"]["database"]["ok"] is True
    # Liveness is not readiness: the process still answers.
    assert client.get("/healthz").status_code == 200


def test_it_is_not_ready_when_the_database_is_unreachable_but_still_alive(tmp_path):
    # A real unreachable database: nothing listens on port 1. Run in a fresh interpreter so the
    # test database connection of this process is not involved.
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/unreachable",
        "SECRET_KEY": "x",
        "DEBUG": "0",
        "CELERY_DATA_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/readyz');"
        "live = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json(), 'live': live.status_code}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "midi_regions.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 503
    assert outcome["body"]["status"] == "unavailable"
    assert outcome["body"]["checks"]["database"]["ok"] is False
    assert outcome["body"]["checks"]["migrations"]["ok"] is False
    assert outcome["body"]["checks"]["cache"]["ok"] is True
    assert outcome["live"] == 200


@pytest.mark.parametrize("url", ["/healthz", "/livez"])
def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries, url):
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200 and response.content == b"ok"
