"""People's names sort the French way, in the database (PostgreSQL's ICU collation, SQLite's
registered function) and in Python alike: "Gélinas" before "Grenier".

Runs on both databases: with DATABASE_URL (PostgreSQL) and without it (SQLite).
"""

import random

import pytest
from django.db import connection

from accounts.models import User
from core.collation import COLLATION, name_order, person_sort_key, sort_key, sorted_by_name
from tests.factories import UserFactory

# The order of PostgreSQL's ICU fr-CA collation (checked with psql, ICU 72): letters without
# accents first, then accents read from the end (cote < côte < coté < côté), then case, lower first;
# spaces and punctuation before letters.
FRENCH_ORDER = [
    "cote",
    "côte",
    "coté",
    "côté",
    "D'Amours",
    "Dagenais",
    "Dallaire",
    "de la Chevrotière",
    "Delage",
    "Desjardins",
    "Dupont Roy",
    "Dupont-Roy",
    "Duponte",
    "Émond",
    "Ethier",
    "Gélinas",
    "Grenier",
    "Iberville",
    "Ilan",
    "Îles",
    "levesque",
    "Levesque",
    "Lévesque",
    "LÉVESQUE",
    "O'Neil",
    "Oeuvre",
    "Œuvre",
    "Oneil",
    "Ouellet",
    "Saint-Pierre",
    "Sainte-Marie",
    "St-Pierre",
    "Zola",
]


def shuffled(items: list) -> list:
    items = list(items)
    random.Random(19).shuffle(items)
    return items


def test_python_sorts_like_icu_fr_ca():
    assert sorted(shuffled(FRENCH_ORDER), key=sort_key) == FRENCH_ORDER
    assert sorted_by_name(shuffled(FRENCH_ORDER)) == FRENCH_ORDER


def test_the_decisive_pairs():
    assert sort_key("Gélinas") < sort_key("Grenier")  # é is an e: l < r
    assert sort_key("Émond") < sort_key("Ethier")  # accents ignored first: m < t
    assert sort_key("Levesque") < sort_key("Lévesque")  # then the unaccented first
    assert sort_key("de la Chevrotière") < sort_key("Delage")  # the space before the letters
    assert sort_key("Ünal") < sort_key("Zola")  # never "after Z" as in byte order
    assert sort_key(None) == sort_key("")


@pytest.mark.django_db
def test_the_database_sorts_names_like_python():
    for name in shuffled(FRENCH_ORDER):
        UserFactory(last_name=name, first_name="Anne")

    listed = list(User.objects.filter(first_name="Anne").order_by(*name_order()))

    assert [u.last_name for u in listed] == FRENCH_ORDER
    assert listed == sorted(listed, key=person_sort_key)


@pytest.mark.django_db
def test_the_first_name_and_the_email_break_ties():
    b = UserFactory(last_name="Lévesque", first_name="Émilie", email="b@example.org")
    a = UserFactory(last_name="Lévesque", first_name="Émilie", email="a@example.org")
    c = UserFactory(last_name="Lévesque", first_name="Eve", email="c@example.org")
    d = UserFactory(last_name="Lévesque", first_name="Ève", email="d@example.org")

    assert list(User.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk]).order_by(*name_order())) == [a, b, c, d]
    assert list(User.objects.filter(pk__in=[a.pk, b.pk]).order_by(*name_order(descending=True))) == [b, a]


@pytest.mark.django_db
def test_the_collation_exists_under_its_name():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 'Gélinas' < 'Grenier' COLLATE \"{COLLATION}\"")
        assert cursor.fetchone()[0] in (True, 1)
