"""The upgrade path over the restructure of the packages (issue 17), from a database of 7768b6a.

Seven models changed app without touching their tables (SeparateDatabaseAndState and
Meta.db_table). tests/fixtures/upgrade_7768b6a.sql.gz is a database that release migrated and
filled (scripts/make_upgrade_fixture.sh). `manage.py migrate` of this code must keep every row
and every table (same oid, not rewritten), give the moved models' content types their new app
labels under the same ids, leave nothing to makemigrations; and the way back to 7768b6a's
migrations must give 7768b6a its database again, from which the upgrade runs once more.

Issue 27 replaced the GeoNames gazetteer by Québec's official list (service_points 0004): every
row that names a municipality is pointed at the official one, so `municipality_id` is left out of
the rows compared, and `places` checks instead that each row's place is still the same place.
"""

import gzip
import shutil
import subprocess
import sys

import psycopg
import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from core.queue import registered_task
from tests.processes import ROOT, app_env, database_url
from tests.test_backup_restore import conninfo, rows, run

FIXTURE = ROOT / "tests" / "fixtures" / "upgrade_7768b6a.sql.gz"

# Old label → new label; each model keeps the table its old label named.
MOVED = {
    "appointments.consultationrequest": "consultations.consultationrequest",
    "appointments.proposedtime": "consultations.proposedtime",
    "appointments.routingdecision": "consultations.routingdecision",
    "appointments.waitlistentry": "waitlist.waitlistentry",
    "appointments.slothold": "waitlist.slothold",
    "midi_regions.rolechange": "audit.rolechange",
    "midi_regions.unsenttask": "core.unsenttask",
}
TABLES = sorted(label.replace(".", "_") for label in MOVED)
# What points at content types: groups' and users' permissions, the admin's history.
BY_CONTENT_TYPE = ["auth_group_permissions", "accounts_user_user_permissions", "django_admin_log"]
# 7768b6a's last migrations in the apps the models left; the migrations that moved them in.
BEFORE = [("appointments", "0008_fair_access"), ("midi_regions", "0003_unsent_task")]
NEW_APPS = ["consultations", "waitlist", "audit", "core"]
MOVES = [(app, "0001_initial") for app in NEW_APPS]


def snapshot(url: str, columns_of: dict | None = None) -> dict:
    """What the migrations must keep: every table's oid, relfilenode (a dropped and recreated
    table gets a new oid, a rewritten one a new relfilenode), columns and row count; an md5 of all
    the rows of the moved tables and of what points at content types (over the columns
    `columns_of` saw, if given: a later migration may add one); the content types, the
    permissions and the migration history."""
    with psycopg.connect(conninfo(url)) as db:
        tables = {
            name: (oid, node, columns)
            for name, oid, node, columns in db.execute(
                "SELECT c.relname, c.oid::bigint, c.relfilenode::bigint,"
                " array_agg(a.attname::text ORDER BY a.attnum)"
                " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
                " WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"
                " AND a.attnum > 0 AND NOT a.attisdropped GROUP BY c.relname, c.oid"
            )
        }
        count = {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        md5 = {}
        for table in TABLES + BY_CONTENT_TYPE:
            columns = [c for c in (columns_of or tables)[table][2] if c != "municipality_id"]
            row = "ROW({})::text".format(", ".join(f'"{column}"' for column in columns))
            sql = f"SELECT md5(coalesce(string_agg({row}, E'\\n' ORDER BY {row}), '')) FROM \"{table}\""
            md5[table] = db.execute(sql).fetchone()[0]
        return {
            "tables": tables,
            "count": count,
            "md5": md5,
            "content_types": {
                pk: f"{app}.{model}"
                for pk, app, model in db.execute("SELECT id, app_label, model FROM django_content_type")
            },
            "permissions": set(db.execute("SELECT id, content_type_id, codename FROM auth_permission")),
            "applied": set(db.execute("SELECT app, name FROM django_migrations")),
        }


def kept(now: dict, then: dict) -> None:
    """Every table of `then` is still there, the same table (oid) with at least its rows; the moved
    ones are not rewritten and hold exactly their rows, as does what points at content types;
    every permission of `then` is still there."""
    assert {t: now["tables"].get(t, (None,))[0] for t in then["tables"]} == {
        t: oid for t, (oid, _node, _columns) in then["tables"].items()
    }
    assert {t: now["tables"][t][1] for t in TABLES} == {t: then["tables"][t][1] for t in TABLES}
    assert {t: n for t, n in now["count"].items() if t in then["count"] and n < then["count"][t]} == {}
    assert now["md5"] == then["md5"]
    assert now["permissions"] >= then["permissions"]


def places(url: str) -> dict[tuple[str, int], tuple[str, str, str | None]]:
    """{(table, id): (municipality name, region code, geographic code)} of every row that names a
    municipality."""
    found = {}
    with psycopg.connect(conninfo(url)) as db:
        tables = [
            table
            for (table,) in db.execute(
                # Tables of rows with an id (the dashboards' roll-ups, keyed otherwise, are
                # recomputed from the appointments).
                "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
                " AND column_name = 'municipality_id' AND table_name IN (SELECT table_name FROM"
                " information_schema.columns WHERE table_schema = 'public' AND column_name = 'id')"
            )
        ]
        has_code = db.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'service_points_municipality'"
            " AND column_name = 'code'"
        ).fetchone()
        code = "m.code" if has_code else "NULL"
        for table in tables:
            rows = db.execute(
                f'SELECT t.id, m.name, r.code, {code} FROM "{table}" t'
                " JOIN service_points_municipality m ON m.id = t.municipality_id"
                " JOIN midi_regions_administrativeregion r ON r.id = m.region_id"
            )
            found.update({(table, pk): (name, region, geo) for pk, name, region, geo in rows})
    return found


def same_places(now: dict, then: dict) -> None:
    """Every row that named a municipality names one of the official list, in the same region,
    by the same name (folded) unless the old one was a borough, a former town or a census tract."""
    from service_points.folding import fold

    now = {key: place for key, place in now.items() if key[0] != "service_points_municipalityalias"}
    assert now.keys() == then.keys()
    moved = {key: (then[key], now[key]) for key in then if fold(then[key][0]) != fold(now[key][0])}
    assert all(geo is not None for _name, _region, geo in now.values())
    assert {key: (old[1], new[1]) for key, (old, new) in moved.items() if old[1] != new[1]} == {}


def manage(url: str, *args: str) -> str:
    return run(sys.executable, "manage.py", *args, env=app_env(DATABASE_URL=url), timeout=300).stdout


def history(found: dict, *app_labels: str) -> set[tuple[str, str]]:
    return {(app, name) for app, name in found["applied"] if app in app_labels}


@pytest.fixture
def old_database():
    """A database of its own (named after the test database: parallel runs do not clash) loaded
    with the fixture; dropped afterwards."""
    if not shutil.which("psql"):
        pytest.fail("psql (PostgreSQL's client) is needed to load the fixture", pytrace=False)
    name = f"{connection.settings_dict['NAME'].removeprefix('test_')}_upgrade"
    url = database_url(connection.settings_dict, name)
    maintenance = conninfo(database_url(connection.settings_dict, "postgres"))
    with psycopg.connect(maintenance, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # left by an interrupted run
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        loaded = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", conninfo(url)],
            input=gzip.decompress(FIXTURE.read_bytes()),
            capture_output=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr.decode()[-3000:]
        yield url
    finally:
        with psycopg.connect(maintenance, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_moved_models_describe_the_tables_they_kept():
    """The state the moving migrations build creates, statement for statement, the tables the old
    state created (columns, types, keys, indexes, constraints): the tables were not touched, so
    this is what says the models still match them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)

    def state_apps(nodes):
        state = loader.project_state(nodes)
        for model in state.models.values():
            # A field added later is the last column of its table and anywhere in a CreateModel:
            # the order of the columns is no difference (the models render on first use of .apps).
            model.fields = dict(sorted(model.fields.items()))
        return state.apps

    def create_table(state, label: str) -> list[str]:
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            editor.create_model(state.get_model(label))
        return editor.collected_sql

    old, new = state_apps(BEFORE), state_apps(MOVES)
    for old_label, new_label in MOVED.items():
        assert apps.get_model(new_label)._meta.db_table == old_label.replace(".", "_")
        assert create_table(new, new_label) == create_table(old, old_label), new_label


@pytest.mark.long(75)
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db
def test_a_database_of_7768b6a_migrates_forward_and_back_without_losing_a_row(old_database):
    url = old_database
    before = snapshot(url)
    places_before = places(url)
    assert places_before  # companies, appointments, requests and service points name places
    assert {t: before["count"][t] for t in TABLES + ["django_admin_log"] if not before["count"][t]} == {}
    ids = {label: pk for pk, label in before["content_types"].items()}
    moved_ids = {ids[old]: new for old, new in MOVED.items()}

    manage(url, "migrate", "--noinput")

    upgraded = snapshot(url, columns_of=before["tables"])
    kept(upgraded, before)
    same_places(places(url), places_before)
    # The moved models' content types carry the new labels under the same ids, so permissions
    # and admin history follow them; nothing else changed label, and no old label came back.
    assert {pk: upgraded["content_types"][pk] for pk in before["content_types"]} == {
        pk: moved_ids.get(pk, label) for pk, label in before["content_types"].items()
    }
    assert not set(MOVED) & set(upgraded["content_types"].values())
    labels = (
        "SELECT DISTINCT ct.app_label FROM {} x JOIN django_content_type ct ON ct.id = x.content_type_id"
        " WHERE ct.id = ANY(%s)"
    )
    for table in ("auth_permission", "django_admin_log"):
        assert {a for (a,) in rows(conninfo(url), labels.format(table), list(moved_ids))} == set(NEW_APPS)
    # The outbox keeps tasks by name: each must name a task this code registers.
    for (task,) in rows(conninfo(url), "SELECT DISTINCT task FROM midi_regions_unsenttask"):
        registered_task(task)
    assert set(MOVES) <= upgraded["applied"]
    showmigrations = manage(url, "showmigrations")
    assert "[ ]" not in showmigrations and "[X]" in showmigrations, showmigrations
    manage(url, "makemigrations", "--check", "--dry-run")  # also checks the history is consistent

    # Back to 7768b6a's migrations (the moving ones are unapplied with them): the database is the
    # one 7768b6a left, content types included.
    for app, name in BEFORE:
        manage(url, "migrate", "--noinput", app, name)
    back = snapshot(url, columns_of=before["tables"])
    kept(back, before)
    assert {pk: back["content_types"][pk] for pk in before["content_types"]} == before["content_types"]
    assert not set(MOVED.values()) & set(back["content_types"].values())
    apps_before = [app for app, _name in BEFORE] + NEW_APPS
    assert history(back, *apps_before) == history(before, *apps_before)

    # And forward again, as after a rollback the release is deployed anew.
    manage(url, "migrate", "--noinput")
    again = snapshot(url, columns_of=before["tables"])
    kept(again, before)
    assert again["content_types"] == upgraded["content_types"]
    assert again["permissions"] == upgraded["permissions"]
    assert again["applied"] == upgraded["applied"]
