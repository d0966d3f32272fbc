"""Finding the place a person typed: a municipality by its name, an alias or a postal code.

One search for every place typed in the service (the directory, the company profile, booking,
requests and the waitlist through forms.MunicipalityField, and the API): accents, case, hyphens,
apostrophes and St/Ste are folded (folding.fold), postal codes and FSAs are read from the
committed postal areas (gazetteer.postal_areas), and similar names are found by PostgreSQL's
trigrams (pg_trgm, GIN indexes of migration 0003) or, on SQLite, by difflib over the ~1 350 names.
Reads municipality data only, so the forms below the advisers' layer can use it.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches

from django.contrib.postgres.search import TrigramSimilarity
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Length

from service_points import gazetteer
from service_points.folding import fold, words
from service_points.models import Municipality, MunicipalityAlias

EXACT, PREFIX, SIMILAR = 0, 1, 2
SIMILAR_CUTOFF = 0.7  # SQLite's difflib ratio; PostgreSQL uses pg_trgm's threshold (0.3)
# Words around a place name that name no place: "Ville de Québec", "Montréal, QC", "Gaspé (Québec)".
_LEADING = (("ville", "de"), ("city", "of"), ("town", "of"), ("municipalite", "de"), ("village", "de"))
_PROVINCE = {"qc", "pq", "que", "quebec", "canada", "quebeccanada", "qccanada"}
_POSTAL_CODE = re.compile(r"^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z](?:[0-9][ABCEGHJ-NPRSTV-Z][0-9])?$")


@dataclass(frozen=True)
class PlaceMatch:
    """A municipality found for typed text, how (rank, the name that matched) and where: a postal
    code's own position, else the municipality's."""

    municipality: Municipality
    rank: int
    matched_name: str
    score: float = 1.0
    postal_area: gazetteer.PostalArea | None = None

    @property
    def latitude(self) -> float:
        return self.postal_area.latitude if self.postal_area else self.municipality.latitude

    @property
    def longitude(self) -> float:
        return self.postal_area.longitude if self.postal_area else self.municipality.longitude

    @property
    def by_other_name(self) -> bool:
        """Found by an alias ("Sainte-Foy" for Québec) or a postal code, not by its own name."""
        return fold(self.matched_name) != self.municipality.search_name

    @property
    def label(self) -> str:
        return place_label(self.municipality)


def place_label(municipality: Municipality) -> str:
    """ "Saint-Joseph-de-Beauce — Beauce-Centre, Chaudière-Appalaches": the MRC and region tell
    homonyms apart; an MRC named like its city is not repeated ("Québec — Capitale-Nationale"); a
    town and the parish or township around it, which share name and MRC, add their designation
    ("Plessisville (paroisse) — L'Érable, Centre-du-Québec")."""
    name = municipality.name
    if (municipality.search_name, municipality.mrc_id) in homonyms_within_mrc():
        name = f"{name} ({municipality.designation.lower()})"
    parts = [p for p in (municipality.mrc and municipality.mrc.name, municipality.region.name) if p]
    parts = [p for i, p in enumerate(parts) if p != municipality.name and p not in parts[:i]]
    return f"{name} — {', '.join(parts)}" if parts else name


HOMONYMS_KEY = "gazetteer:homonyms-within-mrc:v1"


def homonyms_within_mrc() -> frozenset[tuple[str, int]]:
    """(search name, MRC id) shared by two municipalities (Bedford the town and the township):
    ten pairs, cached and dropped with the gazetteer's names (forms.forget_gazetteer_names)."""
    pairs = cache.get(HOMONYMS_KEY)
    if pairs is None:
        pairs = frozenset(
            (row["search_name"], row["mrc_id"])
            for row in Municipality.objects.values("search_name", "mrc_id")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
        )
        cache.set(HOMONYMS_KEY, pairs, 600)
    return pairs


@dataclass
class PlaceResults:
    """What `find_places` found: the matches, best first, and the one place the text names when
    it names one (a postal code, a single exact name, a name with its MRC or region, or a single
    match of any kind)."""

    text: str
    matches: list[PlaceMatch]
    qualifier: str = ""  # what followed the name: "Chaudière-Appalaches" in "Sainte-Marie (Chaudière-…)"

    @property
    def chosen(self) -> PlaceMatch | None:
        if not self.matches:
            return None
        first = self.matches[0]
        if first.postal_area is not None:
            return first
        exact = [m for m in self.matches if m.rank == EXACT]
        if self.qualifier:
            qualified = [m for m in exact or self.matches if _qualifies(m, self.qualifier, self.text)]
            if len(qualified) == 1:
                return qualified[0]
        official = [m for m in exact if not m.by_other_name]
        if len(official) == 1:
            return official[0]
        if len(exact) == 1:
            return exact[0]
        if not exact and len(self.matches) == 1:
            return first
        return None

    @property
    def homonyms(self) -> bool:
        """The text is the name of several municipalities (Saint-Lambert, Sainte-Marie)."""
        return self.chosen is None and sum(1 for m in self.matches if m.rank == EXACT) > 1


def _qualifies(match: PlaceMatch, qualifier: str, text: str) -> bool:
    """The qualifier names the match's MRC or region, or the text is its label."""
    municipality = match.municipality
    names = {fold(municipality.region.name_fr), fold(municipality.region.name_en)}
    if municipality.mrc:
        names.add(fold(municipality.mrc.name))
    key = fold(qualifier)
    return (
        fold(match.label) == fold(text)
        or key in names
        or fold(f"{match.municipality.name}{qualifier}") == key
    )


def _split_place(text: str) -> tuple[str, str]:
    """("Sainte-Marie", "La Nouvelle-Beauce, Chaudière-Appalaches") from a suggestion's label, and
    the same from "Sainte-Marie (Chaudière-Appalaches)" or "Gaspé, QC"; a province is no qualifier."""
    for separator in (" — ", " – ", "(", ","):
        head, found, tail = text.partition(separator)
        if found and head.strip():
            tail = tail.strip().rstrip(")").strip()
            head = head.split("(")[0]  # "Plessisville (paroisse) — …": the label says it
            return head.strip(), "" if fold(tail) in _PROVINCE else tail
    return text, ""


def _place_key(name: str) -> str:
    """The search key of a typed name, without "Ville de" before it or "QC" after it."""
    found = words(name)
    for leading in _LEADING:
        if tuple(found[: len(leading)]) == leading and len(found) > len(leading):
            found = found[len(leading) :]
    while len(found) > 1 and found[-1] in {"qc", "pq", "que"}:
        found = found[:-1]
    return "".join(found)


def find_places(text: str, *, limit: int = 8, trigrams: bool | None = None) -> PlaceResults:
    """The municipalities that typed text names, best first: a postal code or FSA ("G9A 5S8",
    "g4w5m0", "G4W"), then exact names, names that start with the text, and similar names, by
    official name or alias, with accents, case, hyphens, apostrophes and St/Ste folded
    (service_points.folding). 1 query, 2 more for similar names when no name is exactly the text.
    `trigrams`: PostgreSQL's pg_trgm, by default where the database has it; else difflib over
    every name (SQLite)."""
    text = " ".join((text or "").split())[:100]
    compact = text.replace(" ", "").upper()
    if _POSTAL_CODE.match(compact):
        return PlaceResults(text, _postal_matches(compact))
    name, qualifier = _split_place(text)
    key = _place_key(name)
    if len(key) < 2:
        return PlaceResults(text, [])
    best: dict[int, PlaceMatch] = {}
    if trigrams is None:
        trigrams = connection.vendor == "postgresql"
    for match in _name_candidates(key, limit=limit, trigrams=trigrams):
        current = best.get(match.municipality.pk)
        if current is None or (match.rank, -match.score) < (current.rank, -current.score):
            best[match.municipality.pk] = match
    ranked = sorted(best.values(), key=_rank_key)
    return PlaceResults(text, ranked[:limit], qualifier)


def _rank_key(match: PlaceMatch) -> tuple:
    """Exact, then prefix, then similar names; own names before other names; among prefixes the
    most populous first (a town before a hamlet), among similar names the most similar."""
    score = match.score if match.rank == SIMILAR else 0
    return (match.rank, match.by_other_name, -score, -match.municipality.population, match.municipality.name)


def _postal_matches(compact: str) -> list[PlaceMatch]:
    areas = gazetteer.postal_areas()
    area = areas.get(compact) or areas.get(compact[:3])
    if area is None:
        return []
    municipality = _places().filter(code=area.municipality_code).first()
    if municipality is None:
        return []
    label = f"{compact[:3]} {compact[3:]}".strip()
    return [PlaceMatch(municipality, EXACT, label, area.share, postal_area=area)]


def _places():
    return Municipality.objects.select_related("mrc", "region")


def _name_candidates(key: str, *, limit: int, trigrams: bool) -> list[PlaceMatch]:
    """Municipalities whose key or an alias's equals or starts with `key` (one query on the
    search_name indexes), and, only when none is exactly `key`, those whose key resembles it."""
    pool = limit * 3
    aliases = MunicipalityAlias.objects.filter(municipality=OuterRef("pk"), search_name__startswith=key)
    rows = list(
        _places()
        .filter(
            Q(search_name__startswith=key)
            | Q(pk__in=MunicipalityAlias.objects.filter(search_name__startswith=key).values("municipality"))
        )
        .annotate(
            alias_key=Subquery(aliases.order_by(Length("search_name")).values("search_name")[:1]),
            alias_name=Subquery(aliases.order_by(Length("search_name")).values("name")[:1]),
        )
        .order_by("-population")[:pool]
    )
    matches = []
    for municipality in rows:
        if municipality.search_name.startswith(key):
            matches.append(_match(municipality, municipality.search_name, municipality.name, key))
        if municipality.alias_key:
            matches.append(_match(municipality, municipality.alias_key, municipality.alias_name, key))
    if not any(m.rank == EXACT for m in matches):
        similar = _similar_by_trigrams if trigrams else _similar_without_trigrams
        matches += similar(key, {m.municipality.pk for m in matches}, pool)
    return matches


def _match(municipality: Municipality, search_name: str, name: str, key: str, score: float | None = None):
    rank = EXACT if search_name == key else PREFIX if search_name.startswith(key) else SIMILAR
    if score is None:
        score = SequenceMatcher(None, key, search_name).ratio()
    return PlaceMatch(municipality, rank, name, score)


def _similar_by_trigrams(key: str, seen: set[int], pool: int) -> list[PlaceMatch]:
    """PostgreSQL: pg_trgm's `%` (similarity above pg_trgm.similarity_threshold, 0.3), most
    similar first; the GIN indexes of migration 0003 serve it once the table is large enough for
    the planner to prefer them to reading ~1 100 rows."""
    similarity = TrigramSimilarity("search_name", key)
    municipalities = (
        _places()
        .filter(search_name__trigram_similar=key)
        .exclude(pk__in=seen)
        .annotate(score=similarity)
        .order_by("-score")[:pool]
    )
    aliases = (
        MunicipalityAlias.objects.filter(search_name__trigram_similar=key)
        .annotate(score=similarity)
        .select_related("municipality__mrc", "municipality__region")
        .order_by("-score")[:pool]
    )
    return [_match(m, m.search_name, m.name, key, m.score) for m in municipalities] + [
        _match(a.municipality, a.search_name, a.name, key, a.score) for a in aliases
    ]


def _similar_without_trigrams(key: str, seen: set[int], pool: int) -> list[PlaceMatch]:
    """SQLite has no trigrams: difflib's ratio over every key (about 1 350) finds the similar ones."""
    names = dict(Municipality.objects.values_list("search_name", "pk"))
    alias_names = dict(MunicipalityAlias.objects.values_list("search_name", "pk"))
    close = get_close_matches(key, [*names, *alias_names], n=pool, cutoff=SIMILAR_CUTOFF)
    municipalities = _places().filter(pk__in=[names[n] for n in close if n in names]).exclude(pk__in=seen)
    aliases = MunicipalityAlias.objects.filter(pk__in=[alias_names[n] for n in close if n in alias_names])
    aliases = aliases.select_related("municipality__mrc", "municipality__region")
    return [_match(m, m.search_name, m.name, key) for m in municipalities] + [
        _match(a.municipality, a.search_name, a.name, key) for a in aliases
    ]


def municipality_by_api_id(value: int) -> Municipality | None:
    """The municipality an API id names: its geographic code as a number (37067 for Trois-Rivières,
    1023 for 01023), or, for clients written before the official list, the GeoNames id it had then
    (every id above 99 999) when the same place still is a municipality."""
    rows = Municipality.objects.select_related("mrc", "region")
    if 1 <= value <= 99_999:
        return rows.filter(code=f"{value:05d}").first()
    if value <= 2_147_483_647:  # the column's range: a larger number names nothing
        return rows.filter(geonames_id=value).first()
    return None


def api_id(municipality: Municipality) -> int:
    return int(municipality.code)
