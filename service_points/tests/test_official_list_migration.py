"""Migration 0004 moves a database of the GeoNames gazetteer onto the official list in place."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Company
from service_points.models import Municipality, ServicePoint

BEFORE = [("service_points", "0002_host_type_label")]

# Old GeoNames rows as the previous gazetteer had them: (name, region, lat, lon) → the official
# municipality (name, region) the migration must give the company and the service point there.
OLD_ROWS = {
    ("Trois-Rivières", "04", 46.35006, -72.54912): ("Trois-Rivières", "04"),
    ("Sainte-Foy", "03", 46.77743, -71.3045): ("Québec", "03"),
    ("Ct 0007", "06", 45.60, -73.55): ("Montréal", "06"),
    ("Ahuntsic-Cartierville", "06", 45.56667, -73.66667): ("Montréal", "06"),
    ("Saint-Henri", "06", 45.46761, -73.60064): ("Montréal", "06"),
    ("Thetford-Mines", "12", 46.09371, -71.30539): ("Thetford Mines", "12"),
    ("Pont Rouge", "02", 48.88332, -72.08247): ("Pont-Rouge", "03"),
    ("Perce", "11", 48.5245, -64.21429): ("Percé", "11"),
    ("Jonquière", "02", 48.41652, -71.24872): ("Saguenay", "02"),
    ("Bedford", "05", 45.11678, -72.98244): ("Bedford", "05"),
    ("Lac-Alouette", "15", 45.81698, -73.9592): None,  # a hamlet: the nearest municipality
}


@pytest.mark.long(20)
@pytest.mark.django_db(transaction=True)
def test_old_gazetteer_rows_move_onto_the_official_list_and_nothing_loses_its_municipality():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # Whatever is applied now: service_points before the official list, and every other app as far as
    # it goes without a later service_points migration (catalogue triggers depend on one).
    executor.loader.build_graph()
    old = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    try:
        directorate = old.get_model("midi_regions", "RegionalDirectorate").objects.create(
            code="d", name_fr="D", name_en="D"
        )
        Region = old.get_model("midi_regions", "AdministrativeRegion")
        regions = {
            code: Region.objects.create(code=code, name_fr=code, name_en=code, directorate=directorate)
            for code in (f"{n:02d}" for n in range(1, 18))
        }
        OldMunicipality = old.get_model("service_points", "Municipality")
        OldPoint = old.get_model("service_points", "ServicePoint")
        OldCompany = old.get_model("accounts", "Company")
        expected = {}
        for n, ((name, region, lat, lon), official) in enumerate(OLD_ROWS.items()):
            row = OldMunicipality.objects.create(
                geonames_id=9_000_000 + n, name=name, region=regions[region], latitude=lat, longitude=lon
            )
            OldPoint.objects.create(
                code=f"p{n}",
                host_type="cle",
                host_office=f"Bureau {n}",
                street_address="1, rue Principale",
                postal_code="G9A 5S9",
                municipality=row,
                latitude=lat,
                longitude=lon,
            )
            OldCompany.objects.create(
                legal_name=f"Entreprise {n}",
                neq=f"11{n:08d}",
                sector="31",
                size="5-19",
                street_address="1, rue Principale",
                postal_code="G9A 5S9",
                municipality=row,
            )
            expected[f"Entreprise {n}"] = official
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert Municipality.objects.filter(code__isnull=True).count() == 0  # the old rows are gone
    assert Municipality.objects.count() >= 1100
    for company in Company.objects.select_related("municipality__region"):
        official = expected[company.legal_name]
        if official is not None:
            assert (company.municipality.name, company.municipality.region.code) == official, (
                company.legal_name
            )
        else:
            assert company.municipality.region.code == "15"
    points = ServicePoint.objects.select_related("municipality")
    assert {p.code: p.municipality.code for p in points} == {
        f"p{n}": Company.objects.get(legal_name=f"Entreprise {n}").municipality.code
        for n in range(len(OLD_ROWS))
    }
    # The GeoNames ids of the places still municipalities move to them (the API's former ids).
    assert Municipality.objects.get(code="37067").geonames_id == 6169141
