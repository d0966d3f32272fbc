"""The committed gazetteer files (service_points/data/, see SOURCE.md there), read as plain rows.

No models here: the seed, the data migration that moved the old gazetteer onto the official
list, and the postal-code lookup all read the same files through these functions.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_FILE = DATA_DIR / "quebec_municipalities.csv"
ALIASES_FILE = DATA_DIR / "quebec_municipality_aliases.csv"
POSTAL_AREAS_FILE = DATA_DIR / "quebec_postal_areas.csv"
TIME_ZONES_FILE = DATA_DIR / "quebec_time_zones.csv"
EASTERN = "America/Toronto"  # core.local_time.EASTERN: the zone of every MRC the file does not name


@dataclass(frozen=True)
class MunicipalityRow:
    code: str
    name: str
    designation: str
    mrc_code: str
    mrc_name: str
    region_code: str
    population: int
    latitude: float
    longitude: float
    geonames_id: int | None
    time_zone: str = EASTERN


@dataclass(frozen=True)
class AliasRow:
    name: str
    municipality_code: str
    kind: str


@dataclass(frozen=True)
class PostalArea:
    """An FSA ("G9A") or a rural postal code ("G0A 3M0"), where it is and the municipality most of
    its addresses are in (`share` of them: 1 for a rural code)."""

    postal_code: str
    latitude: float
    longitude: float
    municipality_code: str
    share: float

    @property
    def is_fsa(self) -> bool:
        return len(self.postal_code) == 3


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def time_zones() -> dict[str, str]:
    """MRC code → IANA zone, for the MRCs not on Eastern time (quebec_time_zones.csv)."""
    return {row["mrc_code"]: row["time_zone"] for row in _read(TIME_ZONES_FILE)}


def municipality_rows() -> list[MunicipalityRow]:
    zones = time_zones()
    return [
        MunicipalityRow(
            code=row["code"],
            name=row["name"],
            designation=row["designation"],
            mrc_code=row["mrc_code"],
            mrc_name=row["mrc_name"],
            region_code=row["region_code"],
            population=int(row["population"] or 0),
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            geonames_id=int(row["geonames_id"]) if row["geonames_id"] else None,
            time_zone=zones.get(row["mrc_code"], EASTERN),
        )
        for row in _read(MUNICIPALITIES_FILE)
    ]


def alias_rows() -> list[AliasRow]:
    return [AliasRow(row["name"], row["municipality_code"], row["kind"]) for row in _read(ALIASES_FILE)]


@cache
def postal_areas() -> dict[str, PostalArea]:
    """{"G9A": …, "G0A3M0": …}: FSAs and rural postal codes by their compact form (read once)."""
    areas = {}
    for row in _read(POSTAL_AREAS_FILE):
        area = PostalArea(
            postal_code=row["postal_code"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            municipality_code=row["municipality_code"],
            share=float(row["share"]),
        )
        areas[area.postal_code.replace(" ", "")] = area
    return areas
