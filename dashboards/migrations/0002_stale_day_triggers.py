"""PostgreSQL triggers that mark computed roll-up days stale in the transaction that changes them.

Appointments: statement-level triggers with transition tables (one INSERT … SELECT DISTINCT per
statement, so a bulk load costs one statement, not one per row); an UPDATE counts only when a
column the roll-ups read changed. The state row is read FOR SHARE, so moving the watermark
(`rollups.advance`) waits for the writers in flight and none of their changes can fall between
the old and the new watermark unmarked. The hierarchy (adviser → home point → municipality →
region → directorate) decides the directorate of every roll-up row: changing one link marks every
computed day stale (rare, administrative). Other databases (SQLite, the local demo) have no
roll-ups: the dashboards read the live rows there.
"""

from django.conf import settings
from django.db import migrations

COLUMNS = ("starts_at", "ends_at", "status", "topic_id", "mode", "advisor_id", "municipality_id", "company_id")


def sql(tz: str) -> tuple[str, str]:
    local_day = f"(starts_at AT TIME ZONE '{tz}')::date"
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in COLUMNS)
    mark = """
        INSERT INTO dashboards_staleday AS s (day, version)
        SELECT day, 1 FROM ({days}) AS days(day) WHERE day <= through GROUP BY day ORDER BY day
        ON CONFLICT (day) DO UPDATE SET version = s.version + 1;
    """
    forward = f"""
CREATE FUNCTION dashboards_mark_stale_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE through date;
BEGIN
    SELECT computed_through INTO through FROM dashboards_rollupstate WHERE id = 1 FOR SHARE;
    IF through IS NULL THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' THEN
        {mark.format(days=f"SELECT {local_day} FROM new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {mark.format(days=f"SELECT {local_day} FROM old_rows")}
    ELSE
        {
        mark.format(
            days=f'''SELECT (v.t AT TIME ZONE '{tz}')::date FROM old_rows o JOIN new_rows n ON o.id = n.id,
                     LATERAL (VALUES (o.starts_at), (n.starts_at)) AS v(t) WHERE {changed}'''
        )
    }
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER dashboards_stale_on_insert AFTER INSERT ON appointments_appointment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboards_mark_stale_days();
CREATE TRIGGER dashboards_stale_on_update AFTER UPDATE ON appointments_appointment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboards_mark_stale_days();
CREATE TRIGGER dashboards_stale_on_delete AFTER DELETE ON appointments_appointment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboards_mark_stale_days();

CREATE FUNCTION dashboards_mark_all_days_stale() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE through date;
BEGIN
    SELECT computed_through INTO through FROM dashboards_rollupstate WHERE id = 1 FOR SHARE;
    IF through IS NULL THEN RETURN NULL; END IF;
    {mark.format(days="SELECT DISTINCT day FROM dashboards_dailytally")}
    RETURN NULL;
END $$;

CREATE TRIGGER dashboards_stale_on_advisor AFTER UPDATE OF home_service_point_id ON advisors_advisor
    FOR EACH ROW WHEN (OLD.home_service_point_id IS DISTINCT FROM NEW.home_service_point_id)
    EXECUTE FUNCTION dashboards_mark_all_days_stale();
CREATE TRIGGER dashboards_stale_on_point AFTER UPDATE OF municipality_id ON service_points_servicepoint
    FOR EACH ROW WHEN (OLD.municipality_id IS DISTINCT FROM NEW.municipality_id)
    EXECUTE FUNCTION dashboards_mark_all_days_stale();
CREATE TRIGGER dashboards_stale_on_municipality AFTER UPDATE OF region_id ON service_points_municipality
    FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id)
    EXECUTE FUNCTION dashboards_mark_all_days_stale();
CREATE TRIGGER dashboards_stale_on_region AFTER UPDATE OF directorate_id ON midi_regions_administrativeregion
    FOR EACH ROW WHEN (OLD.directorate_id IS DISTINCT FROM NEW.directorate_id)
    EXECUTE FUNCTION dashboards_mark_all_days_stale();

INSERT INTO dashboards_rollupstate (id, computed_through) VALUES (1, NULL) ON CONFLICT DO NOTHING;
"""
    backward = """
DROP TRIGGER dashboards_stale_on_insert ON appointments_appointment;
DROP TRIGGER dashboards_stale_on_update ON appointments_appointment;
DROP TRIGGER dashboards_stale_on_delete ON appointments_appointment;
DROP TRIGGER dashboards_stale_on_advisor ON advisors_advisor;
DROP TRIGGER dashboards_stale_on_point ON service_points_servicepoint;
DROP TRIGGER dashboards_stale_on_municipality ON service_points_municipality;
DROP TRIGGER dashboards_stale_on_region ON midi_regions_administrativeregion;
DROP FUNCTION dashboards_mark_stale_days();
DROP FUNCTION dashboards_mark_all_days_stale();
"""
    return forward, backward


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql(settings.TIME_ZONE)[0])
    else:
        apps.get_model("dashboards", "RollupState").objects.get_or_create(pk=1)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql(settings.TIME_ZONE)[1])


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
