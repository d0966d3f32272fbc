"""Finding the place a person typed (service_points.places.find_places), on the official list.

The table is how people type places: without accents, hyphens or spaces, with St-/Ste, in English,
by a former town's name, by postal code with or without its space. It runs with PostgreSQL's
trigrams and with the fallback SQLite uses (difflib), on the suite's database; and once more on a
real SQLite database (test_the_place_table_passes_on_sqlite).
"""

import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from midi_regions.seeding import SeedReport, load_network, seed_directorates_and_regions, seed_gazetteer
from service_points import gazetteer
from service_points.forms import MunicipalityField
from service_points.models import Municipality, MunicipalityAlias
from service_points.places import EXACT, find_places, place_label
from tests.processes import ROOT

# typed → (official municipality, region code)
PLACES = [
    ("gaspe", "Gaspé", "11"),
    ("GASPÉ", "Gaspé", "11"),
    ("Sept-Iles", "Sept-Îles", "09"),
    ("sept iles", "Sept-Îles", "09"),
    ("Montreal", "Montréal", "06"),
    ("montréal, qc", "Montréal", "06"),
    ("Quebec", "Québec", "03"),
    ("Quebec City", "Québec", "03"),
    ("ville de québec", "Québec", "03"),
    ("trois-rivieres", "Trois-Rivières", "04"),
    ("Trois Rivieres", "Trois-Rivières", "04"),
    ("Three Rivers", "Trois-Rivières", "04"),
    ("Sainte-Foy", "Québec", "03"),
    ("ste foy", "Québec", "03"),
    ("Ste-Foy", "Québec", "03"),
    ("Sillery", "Québec", "03"),
    ("Charlesbourg", "Québec", "03"),
    ("Beauport", "Québec", "03"),
    ("Hull", "Gatineau", "07"),
    ("Aylmer", "Gatineau", "07"),
    ("Chicoutimi", "Saguenay", "02"),
    ("Jonquiere", "Saguenay", "02"),
    ("La Baie", "Saguenay", "02"),
    ("Lachine", "Montréal", "06"),
    ("Lasalle", "Montréal", "06"),
    ("Ahuntsic-Cartierville", "Montréal", "06"),
    ("Rosemont", "Montréal", "06"),
    ("Verdun", "Montréal", "06"),
    ("Chomedey", "Laval", "13"),
    ("Trois-Rivières-Ouest", "Trois-Rivières", "04"),
    ("Cap-de-la-Madeleine", "Trois-Rivières", "04"),
    ("Grand Mere", "Shawinigan", "04"),
    ("Shawinigan-Sud", "Shawinigan", "04"),
    ("Rock Forest", "Sherbrooke", "05"),
    ("Fleurimont", "Sherbrooke", "05"),
    ("St-Jean-sur-Richelieu", "Saint-Jean-sur-Richelieu", "16"),
    ("St Jerome", "Saint-Jérôme", "15"),
    ("Ste-Marie", "Sainte-Marie", "12"),
    ("Ste Anne des Monts", "Sainte-Anne-des-Monts", "11"),
    ("st-georges", "Saint-Georges", "12"),
    ("St-Hyacinthe", "Saint-Hyacinthe", "16"),
    ("Perce", "Percé", "11"),
    ("Thetford-Mines", "Thetford Mines", "12"),
    ("Trois Pistoles", "Trois-Pistoles", "01"),
    ("Pont Rouge", "Pont-Rouge", "03"),
    ("riviere du loup", "Rivière-du-Loup", "01"),
    ("rimouski", "Rimouski", "01"),
    ("MATANE", "Matane", "01"),
    ("la tuque", "La Tuque", "04"),
    ("Rouyn Noranda", "Rouyn-Noranda", "08"),
    ("val d'or", "Val-d'Or", "08"),
    ("Baie Comeau", "Baie-Comeau", "09"),
    ("chibougamau", "Chibougamau", "10"),
    ("Kuujjuaq", "Kuujjuaq", "10"),
    ("Iles de la Madeleine", "Les Îles-de-la-Madeleine", "11"),
    ("Saint-Raymond", "Saint-Raymond", "03"),
    ("Lac Megantic", "Lac-Mégantic", "05"),
    ("Levis", "Lévis", "12"),
    ("St-Romuald", "Lévis", "12"),
    ("drummondville", "Drummondville", "17"),
    ("Victoriaville", "Victoriaville", "17"),
    ("L'Ancienne Lorette", "L'Ancienne-Lorette", "03"),
    ("Asbestos", "Val-des-Sources", "05"),
    ("Joliette", "Joliette", "14"),
    ("Mont Tremblant", "Mont-Tremblant", "15"),
    ("gatineau", "Gatineau", "07"),
    ("Saint-Joseph-de-Beauce — Beauce-Centre, Chaudière-Appalaches", "Saint-Joseph-de-Beauce", "12"),
    ("Saint-Lambert (Abitibi-Témiscamingue)", "Saint-Lambert", "08"),
    ("G9A 5S8", "Trois-Rivières", "04"),
    ("g9a5s8", "Trois-Rivières", "04"),
    ("g4w5m0", "Matane", "01"),
    ("G4W 5M0", "Matane", "01"),
    ("G4X", "Gaspé", "11"),
    ("h2l 6k1", "Montréal", "06"),
    ("G1V", "Québec", "03"),
    ("J1H", "Sherbrooke", "05"),
    ("J0E 1B0", "Abercorn", "05"),
    ("Rimousky", "Rimouski", "01"),
    ("Sherbrook", "Sherbrooke", "05"),
    ("Drummondvile", "Drummondville", "17"),
]


@pytest.fixture
def gazetteer_loaded(db):
    """The 17 regions (and the directorates of network.json) with the whole official list."""
    report = SeedReport()
    regions = seed_directorates_and_regions(load_network(), report, password=None)
    seed_gazetteer(regions, report)
    return regions


def misread(*, trigrams: bool) -> list[str]:
    wrong = []
    for typed, name, region in PLACES:
        chosen = find_places(typed, trigrams=trigrams).chosen
        found = (chosen.municipality.name, chosen.municipality.region.code) if chosen else None
        if found != (name, region):
            wrong.append(f"{typed!r} → {found}, expected {(name, region)}")
    return wrong


def test_the_table_has_sixty_places_and_every_region():
    assert len(PLACES) >= 60
    assert {region for _typed, _name, region in PLACES} == {f"{n:02d}" for n in range(1, 18)}


@pytest.mark.parametrize("trigrams", [True, False], ids=["trigrams", "fallback"])
def test_places_typed_as_people_type_them_find_their_municipality(gazetteer_loaded, trigrams):
    from django.db import connection

    if trigrams and connection.vendor != "postgresql":
        pytest.skip("trigrams are PostgreSQL's")
    assert misread(trigrams=trigrams) == []


def test_suggestions_are_ranked_exact_then_prefix_then_similar(gazetteer_loaded):
    matches = find_places("Saint-Lambert").matches
    assert [m.rank for m in matches] == sorted(m.rank for m in matches)
    assert [m.label for m in matches[:2]] == [
        "Saint-Lambert — Longueuil, Montérégie",
        "Saint-Lambert — Abitibi-Ouest, Abitibi-Témiscamingue",
    ]
    assert find_places("Saint-Lambert").homonyms
    assert "Saint-Lambert-de-Lauzon" in [m.municipality.name for m in matches]
    # Homonyms are told apart by MRC and region; an MRC named like its city is not repeated.
    joseph = Municipality.objects.select_related("mrc", "region").get(code="27043")
    assert place_label(joseph) == "Saint-Joseph-de-Beauce — Beauce-Centre, Chaudière-Appalaches"
    assert place_label(Municipality.objects.get(code="23027")) == "Québec — Capitale-Nationale"


@pytest.mark.parametrize(
    "typed", ["ct", "Ct 0001", "Ahuntsic", "Snowdon", "Pont", "Saint-J", "Vieux", "Hull"]
)
def test_no_suggestion_is_a_census_tract_a_borough_or_a_duplicate(gazetteer_loaded, typed):
    matches = find_places(typed).matches
    official = {row.code: row.name for row in gazetteer.municipality_rows()}
    for match in matches:
        assert official.get(match.municipality.code) == match.municipality.name
        assert not re.match(r"^Ct \d+", match.municipality.name)
    assert len({m.municipality.pk for m in matches}) == len(matches)
    assert len({m.label for m in matches}) == len(matches)


def test_the_list_is_official_every_region_has_its_municipalities(gazetteer_loaded):
    assert Municipality.objects.count() == len(gazetteer.municipality_rows()) >= 1100
    counts = {r.code: r.municipalities.count() for r in gazetteer_loaded.values()}
    assert sorted(counts) == [f"{n:02d}" for n in range(1, 18)] and min(counts.values()) >= 1
    assert counts["13"] == 1 and counts["06"] == 16  # Laval; the island of Montréal's 16 cities
    former = ["Sainte-Foy", "Hull", "Chicoutimi", "Jonquière", "Ahuntsic-Cartierville", "Vieux-Montréal"]
    assert not Municipality.objects.filter(name__in=former).exists()
    assert MunicipalityAlias.objects.filter(name__in=former).count() == len(former)
    assert not Municipality.objects.filter(name__startswith="Ct ").exists()
    # No duplicate: a name is in an MRC once, or twice with two designations (Plessisville the
    # town and the parish around it), and then their labels tell them apart.
    keys = list(Municipality.objects.values_list("search_name", "mrc_id", "designation"))
    assert len(keys) == len(set(keys))
    labels = [m.label for m in find_places("Plessisville").matches[:2]]
    assert labels == [
        "Plessisville (ville) — L'Érable, Centre-du-Québec",
        "Plessisville (paroisse) — L'Érable, Centre-du-Québec",
    ]
    assert find_places(labels[1]).chosen.municipality.designation == "Paroisse"
    assert not Municipality.objects.filter(code__isnull=True).exists()
    assert not Municipality.objects.filter(mrc__isnull=True).exists()


def test_postal_codes_resolve_to_a_place_and_its_own_position(gazetteer_loaded):
    full = find_places("g0a1a0").chosen  # a rural code: its FSA (G0A) spans many villages
    assert full is not None and full.postal_area.postal_code == "G0A 1A0"
    assert full.municipality.name == "Sainte-Christine-d'Auvergne"
    assert (full.latitude, full.longitude) == (full.postal_area.latitude, full.postal_area.longitude)
    assert find_places("K1A 0B1").matches == []  # Ottawa: not in Québec
    assert find_places("G9A 5S").matches == []  # neither an FSA nor a postal code


def test_the_form_field_accepts_what_the_search_accepts(gazetteer_loaded):
    field = MunicipalityField()
    assert field.clean("Perce").name == "Percé"
    assert field.clean("Thetford Mines").name == "Thetford Mines"
    assert field.clean("g9a 5s8").name == "Trois-Rivières"
    assert field.clean("Saint-Lambert — Longueuil, Montérégie").code == "58012"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "Atlantis",
            "Aucune municipalité ne correspond à « Atlantis »; vérifiez l’orthographe ou entrez votre "
            "code postal.",
        ),
        (
            "Saint-Lambert",
            "Plusieurs municipalités portent le nom « Saint-Lambert » : choisissez la vôtre dans la liste",
        ),
        ("Saint-Lamb", "Vouliez-vous dire : Saint-Lambert — Longueuil, Montérégie; "),
        ("J7V", "Le code postal J7V couvre plusieurs municipalités"),
        ("G0A", "Le code postal G0A couvre plusieurs municipalités"),
    ],
)
def test_the_form_field_says_why_it_refuses_a_place(gazetteer_loaded, typed, message):
    from django import forms

    with pytest.raises(forms.ValidationError) as refused:
        MunicipalityField().clean(typed)
    assert message in refused.value.messages[0]


def test_the_form_offers_the_suggestions_of_what_was_typed(gazetteer_loaded):
    html = MunicipalityField().widget.render("municipality", "Saint-Lambert", {"id": "id_municipality"})
    assert 'list="id_municipality-suggestions"' in html
    assert '<datalist id="id_municipality-suggestions">' in html
    assert '<option value="Saint-Lambert — Longueuil, Montérégie"></option>' in html
    assert f'data-place-search="{reverse("api:municipality-list")}"' in html


@pytest.mark.long(40)
@pytest.mark.slow
def test_the_place_table_passes_on_sqlite(tmp_path):
    """The same table on a real SQLite database (the embedded runtime), in a process of its own."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'places.sqlite3'}",
        "REQUIRE_SERVICES": "0",
        "PYTEST_XDIST_WORKER": "",
    }
    test = (
        "service_points/tests/test_places.py::test_places_typed_as_people_type_them_find_their_municipality"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", f"{test}[fallback]", "-q", "-p", "no:randomly", "-p", "no:xdist"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout


def test_exact_matches_rank_first(gazetteer_loaded):
    results = find_places("Gaspé")
    assert results.matches[0].rank == EXACT and results.chosen.municipality.name == "Gaspé"
