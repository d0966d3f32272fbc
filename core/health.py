"""Readiness (/readyz): the database, the Celery broker and the cache answer, and the database
has every migration this code expects. Liveness (/healthz) checks nothing: see views.healthz."""

import os
import time
import uuid

from celery import current_app as app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        # The filesystem transport "connects" without touching disk: prove the folder is usable.
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_out")
        if folder:
            probe = f"{folder}/.healthz-{uuid.uuid4().hex}"
            with open(probe, "w") as fh:
                fh.write("ok")

            os.remove(probe)


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just stored")
    cache.delete(key)


class PendingMigrations(Exception):
    """The code expects migrations the database does not have yet (migrate has not run)."""


def check_migrations() -> None:
    # A fresh executor each time (~2 ms): it reads django_migrations, so a migrate run after this
    # process started turns the check green without a restart.
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise PendingMigrations(len(pending))


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "broker": check_broker,
    "cache": check_cache,
}


def run_checks() -> tuple[bool, dict]:
    """Run every check; return (all healthy, per-check report)."""
    report = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # a health check reports any failure, it never raises
            healthy = False
            report[name] = {"ok": False, "error": exc.__class__.__name__}
            if isinstance(exc, PendingMigrations):
                report[name]["pending"] = exc.args[0]
        else:
            report[name] = {"ok": True}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, report
