"""Move a database from the GeoNames gazetteer onto the official list, in place (issue 27).

The old rows (no geographic code) were GeoNames populated places: towns, but also boroughs,
former towns, census tracts and duplicates. Companies, appointments, requests, waitlist entries
and service points point at them. This migration loads the official list (the committed
service_points/data files), gives every old row its official municipality, points every foreign
key at it, and deletes the old rows: nothing loses its municipality.

An old row's official municipality is, in this order:
1. Montréal, for GeoNames' census tracts of the island ("Ct 0001" … "Ct 0030");
2. ``LEGACY`` below: old rows no rule below gets right (Montréal neighbourhoods whose name is an
   official municipality elsewhere, GeoNames' misplaced "Pont Rouge"…);
3. the official municipality of the same folded name in the same region (the nearest of
   homonyms: Bedford the town or the township);
4. the municipality an alias of that name belongs to (Sainte-Foy → Québec, Chicoutimi → Saguenay);
5. the nearest official municipality of the same region.

Foreign keys are found in the database itself (every column that references the municipality
table), so a table this migration's models do not know of keeps its rows too. On a new database
(no old rows) it does nothing: `seed_network` loads the list.

The way back keeps the official list (RunPython.noop): the previous release reads these rows as it
read the old ones.
"""

import math

from django.db import migrations

from service_points.folding import fold
from service_points.gazetteer import alias_rows, municipality_rows

MONTREAL = ("Montréal", "06")
# (old name, old region code) → (official name, region code)
LEGACY = {
    ("Saint-Henri", "06"): MONTREAL,
    ("Saint-Michel", "06"): MONTREAL,
    ("Saint-Raymond", "06"): MONTREAL,  # a district of Notre-Dame-de-Grâce
    ("Saint-Victor", "06"): MONTREAL,
    ("Ville-Marie", "06"): MONTREAL,
    ("Pont Rouge", "02"): ("Pont-Rouge", "03"),  # GeoNames placed it near Lac Saint-Jean
    ("Saint-Ambroise", "14"): ("Saint-Ambroise-de-Kildare", "14"),
    ("Wendake", "03"): ("Québec", "03"),  # the Huron-Wendat Nation's land, within Québec City
    ("Le Plateau", "07"): ("Gatineau", "07"),  # a district of Aylmer
}


def distance_km(lat1, lon1, lat2, lon2):
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def load_official_list(apps, regions):
    """Create the MRCs, municipalities and aliases of the committed files; return the new rows."""
    Mrc = apps.get_model("service_points", "Mrc")
    Municipality = apps.get_model("service_points", "Municipality")
    MunicipalityAlias = apps.get_model("service_points", "MunicipalityAlias")
    rows = [row for row in municipality_rows() if row.region_code in regions]
    mrcs = {}
    for row in rows:
        if row.mrc_code not in mrcs:
            mrcs[row.mrc_code], _ = Mrc.objects.get_or_create(
                code=row.mrc_code, defaults={"name": row.mrc_name, "region": regions[row.region_code]}
            )
    # geonames_id is unique and an old row may hold the same one: it is set after they are gone.
    new = Municipality.objects.bulk_create(
        [
            Municipality(
                code=row.code,
                name=row.name,
                designation=row.designation,
                mrc=mrcs[row.mrc_code],
                region=regions[row.region_code],
                latitude=row.latitude,
                longitude=row.longitude,
                population=row.population,
                search_name=fold(row.name),
            )
            for row in rows
        ],
        batch_size=500,
    )
    loaded = Municipality.objects.filter(code__in=[m.code for m in new]).select_related("region")
    by_code = {m.code: m for m in loaded}
    MunicipalityAlias.objects.bulk_create(
        [
            MunicipalityAlias(
                name=alias.name,
                municipality=by_code[alias.municipality_code],
                kind=alias.kind,
                search_name=fold(alias.name),
            )
            for alias in alias_rows()
            if alias.municipality_code in by_code
        ],
        batch_size=500,
    )
    return by_code, {row.code: row.geonames_id for row in rows}


def official_for(old, by_code, by_name, aliases):
    """The official municipality of one old row (rules 1-5 of the module docstring)."""
    region = old.region.code
    if old.name.startswith("Ct ") and old.name[3:].isdigit():
        return by_name[MONTREAL]
    if (old.name, region) in LEGACY and LEGACY[(old.name, region)] in by_name:
        return by_name[LEGACY[(old.name, region)]]

    def nearest(candidates):
        return min(candidates, key=lambda m: distance_km(old.latitude, old.longitude, m.latitude, m.longitude))

    key = fold(old.name)
    same_name = [m for m in by_code.values() if m.search_name == key and m.region.code == region]
    if same_name:
        return nearest(same_name)
    if key in aliases:
        return nearest(aliases[key])
    return nearest([m for m in by_code.values() if m.region.code == region])


def referencing_columns(schema_editor, table):
    """(table, column) of every foreign key to `table`, read from the database."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = []
        for other in connection.introspection.table_names(cursor):
            for column, (_target_column, target) in connection.introspection.get_relations(cursor, other).items():
                if target == table:
                    found.append((other, column))
        return found


def forwards(apps, schema_editor):
    Municipality = apps.get_model("service_points", "Municipality")
    AdministrativeRegion = apps.get_model("midi_regions", "AdministrativeRegion")
    old_rows = list(Municipality.objects.filter(code__isnull=True).select_related("region"))
    if not old_rows:
        return
    regions = {r.code: r for r in AdministrativeRegion.objects.all()}
    by_code, geonames_ids = load_official_list(apps, regions)
    aliases = {}
    for alias in apps.get_model("service_points", "MunicipalityAlias").objects.select_related(
        "municipality__region"
    ):
        aliases.setdefault(alias.search_name, []).append(alias.municipality)
    by_name = {(m.name, m.region.code): m for m in by_code.values()}
    moves = [(official_for(old, by_code, by_name, aliases).pk, old.pk) for old in old_rows]

    quote = schema_editor.quote_name
    for table, column in referencing_columns(schema_editor, Municipality._meta.db_table):
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(column)} = %s", moves
            )
    Municipality.objects.filter(pk__in=[pk for _new, pk in moves]).delete()
    for municipality in by_code.values():
        municipality.geonames_id = geonames_ids.get(municipality.code)
    Municipality.objects.bulk_update(list(by_code.values()), ["geonames_id"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("service_points", "0003_official_municipalities")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
