"""Names in French order, on PostgreSQL and on SQLite alike: "Gélinas" before "Grenier".

The byte order of PostgreSQL's "C" collation and of SQLite puts every accented capital after "Z"
("Émond" after "Zola") and "Gélinas" after "Grenier". French order (ICU's fr-CA, after the
Canadian standard CAN/CSA Z243.4) compares letters without their accents first ("Émond" before
"Ethier": m < t), then the accents, read from the end of the word (cote < côte < coté < côté),
then the case (lower first: "levesque" < "Levesque" < "Lévesque" < "LÉVESQUE"); spaces and
punctuation come before letters ("de la Chevrotière" before "Delage", "Dupont-Roy" before
"Duponte").

One collation name, COLLATION, on both databases: on PostgreSQL an ICU collation made by
core migration 0002; on SQLite a Python function registered on every new connection
(`register_sqlite_collation`, from CoreConfig.ready), built on `sort_key`, which also sorts in
Python (`sorted(people, key=lambda p: person_sort_key(p))`). Lists of people order with
`name_order()`.
"""

import unicodedata
from collections.abc import Iterable

from django.db.models import F, OrderBy
from django.db.models.functions import Collate

COLLATION = "fr_ca_icu"

# Letters that are two at the first level, like ICU's expansions: "Œuvre" sorts as "oeuvre".
EXPANSIONS = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS"}

# Spaces and punctuation sort before digits and letters, in ICU's order of them (space first,
# then _ - , ; : ! ? . ' " ( ) …): mapped to control characters, which sort before everything.
PUNCTUATION = {
    char: chr(rank)
    for rank, char in enumerate(" \u00a0_-\u2010\u2011\u2013\u2014,;:!?.'\u2019\"«»()[]{}@*/\\&#%", start=1)
}

# Accents at the second level, ICU's order: acute < grave < breve < circumflex < caron < ring <
# diaeresis < double acute < tilde < dot above < cedilla < ogonek < macron; others after them.
ACCENTS = {
    mark: rank
    for rank, mark in enumerate(
        "\u0301\u0300\u0306\u0302\u030c\u030a\u0308\u030b\u0303\u0307\u0327\u0328\u0304", start=1
    )
}


def sort_key(text: str | None) -> tuple:
    """The French sort key of `text` (see the module's docstring); None and "" sort first."""
    text = text or ""
    letters: list[str] = []  # first level: base letters, lower case, punctuation mapped low
    accents: list[tuple[int, ...]] = []  # second level: each letter's accents
    cases: list[int] = []  # third level: 0 lower, 1 upper, 2 part of an expansion
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            if accents:
                accents[-1] += (ACCENTS.get(char, 100 + ord(char)),)
            continue
        expansion = EXPANSIONS.get(char)
        for base in expansion or char:
            lower = base.lower()
            letters.append(PUNCTUATION.get(lower, lower))
            accents.append(())
            cases.append(2 if expansion else int(lower != base))
    # Canadian French reads the accents from the end of the word ("backwards secondary").
    return ("".join(letters), tuple(reversed(accents)), tuple(cases), text)


def compare(left: str | None, right: str | None) -> int:
    """-1, 0 or 1, as SQLite's create_collation wants."""
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


def french(field: str) -> Collate:
    """The expression that orders `field` the French way: .order_by(french("name"))."""
    return Collate(F(field), COLLATION)


def name_order(user: str = "", *, descending: bool = False) -> list[OrderBy]:
    """order_by() arguments listing people by last name, then first name, the French way, then
    email (unique: a stable order). `user` is the path to the user ("advisor__user"), or "" on
    User itself."""
    prefix = f"{user}__" if user else ""
    fields = [french(f"{prefix}last_name"), french(f"{prefix}first_name"), F(f"{prefix}email")]
    return [field.desc() if descending else field.asc() for field in fields]


def person_sort_key(user) -> tuple:
    """The same order as name_order(), in Python."""
    return (sort_key(user.last_name), sort_key(user.first_name), user.email)


def sorted_by_name(items: Iterable, *, name=str) -> list:
    """`items` in French order of name(item) (their str() by default)."""
    return sorted(items, key=lambda item: sort_key(name(item)))


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """connection_created receiver: SQLite learns COLLATION (PostgreSQL has it from migration 0002)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, compare)
