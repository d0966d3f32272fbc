"""Place search latency: 1 000 places typed the way people type them, before and after issue 27.

The queries are the table of service_points/tests/test_places.py (about 80 places: no accents,
no hyphens, St-/Ste, English names, former towns, postal codes with and without their space)
and fuzzed variants of them (case, accents or hyphens dropped, a letter left out or doubled, two
letters swapped), drawn with a fixed seed. Each is timed, in one run and in a shuffled order:

- *before*: the directory's literal search as it was (service points whose municipality name,
  office name or postal code contains the text, `icontains`), on the same database;
- *after*: `service_points.places.find_places` over the official list and its aliases (what the
  directory, the forms and the API call), PostgreSQL's trigram search included.

Besides the latency, each side says for how many of the queries it found the expected
municipality (before: a service point of it among the results; after: the place it chose).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/midi_bench .venv/bin/python bench/place_search.py

Needs the official list (`manage.py seed_network`). Target: p95 < 20 ms after.
"""

import argparse
import os
import random
import statistics
import time
import unicodedata

from common import percentile, setup_django

QUERIES = 1000


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fuzzed(text: str, rng: random.Random) -> str:
    """One way a hurried person types `text`."""
    kind = rng.randrange(7)
    if kind == 0:
        return text.lower()
    if kind == 1:
        return strip_accents(text).upper()
    if kind == 2:
        return strip_accents(text).replace("-", " ")
    if kind == 3:
        return text.replace("Saint-", "St-").replace("Sainte-", "Ste-").replace("-", "")
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 5:
        return text
    i = rng.choice(letters[1:-1])
    if kind == 4:
        return text[:i] + text[i + 1 :]  # a letter left out
    if kind == 5:
        return text[:i] + text[i] + text[i:]  # a letter typed twice
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]  # two letters swapped


def queries(rng: random.Random) -> list[tuple[str, str, str]]:
    from service_points.tests.test_places import PLACES

    typed = list(PLACES)
    while len(typed) < QUERIES:
        text, name, region = rng.choice(PLACES)
        postal = text.replace(" ", "")[:3].upper()
        if len(postal) == 3 and postal[1].isdigit() and postal[0].isalpha():
            typed.append((text.lower(), name, region))
        else:
            typed.append((fuzzed(text, rng), name, region))
    rng.shuffle(typed)
    return typed


def before(text: str):
    """The directory's search before issue 27, as it was written (service_points.selectors)."""
    from django.db.models import Q

    from service_points.selectors import service_points_with_details

    literal = Q(municipality__name__icontains=text) | Q(host_office__icontains=text)
    points = service_points_with_details().filter(literal | Q(postal_code__icontains=text))
    return list(points.order_by("municipality__region__code", "municipality__name", "host_office"))


def after(text: str):
    from service_points.places import find_places

    return find_places(text).chosen


def timed(fn, items):
    times, results = [], []
    for text, _name, _region in items:
        start = time.perf_counter()
        results.append(fn(text))
        times.append((time.perf_counter() - start) * 1000)
    return times, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()
    setup_django(os.environ["DATABASE_URL"], os.environ.get("SECRET_KEY", "bench"))
    from django.db import connection

    from service_points.models import Municipality

    if Municipality.objects.count() < 1000:
        raise SystemExit("load the official list first: manage.py seed_network")
    rng = random.Random(args.seed)
    items = queries(rng)
    timed(before, items[:50])  # warm-up: connections, caches, the postal areas file
    timed(after, items[:50])
    before_ms, before_found = timed(before, items)
    after_ms, after_found = timed(after, items)

    def found_before(points, name, region):
        return any(p.municipality.name == name and p.municipality.region.code == region for p in points)

    def found_after(match, name, region):
        if match is None:
            return False
        return (match.municipality.name, match.municipality.region.code) == (name, region)

    hits_before = sum(found_before(r, n, g) for r, (_t, n, g) in zip(before_found, items, strict=True))
    hits_after = sum(found_after(r, n, g) for r, (_t, n, g) in zip(after_found, items, strict=True))
    print(f"{len(items)} typed places, {connection.vendor}, {Municipality.objects.count()} municipalities")
    print(f"{'':28}{'p50':>9}{'p95':>9}{'max':>9}{'mean':>9}   found")
    for label, ms, hits in (
        ("before: literal icontains", before_ms, hits_before),
        ("after: find_places", after_ms, hits_after),
    ):
        print(
            f"{label:28}{percentile(ms, 50):7.2f}ms{percentile(ms, 95):7.2f}ms{max(ms):7.2f}ms"
            f"{statistics.mean(ms):7.2f}ms   {hits}/{len(items)} ({100 * hits / len(items):.0f} %)"
        )


if __name__ == "__main__":
    main()
