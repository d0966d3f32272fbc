"""Finding the company a partner refers: by its NEQ, else near-duplicates by name and place.

A company is never duplicated: the NEQ, typed with spaces or dashes, finds it; without a matching
NEQ, companies whose name reads the same once accents, case, punctuation and legal suffixes are
set aside ("Boulangerie l'Épi d'or inc." and "Boulangerie L'Epi d'Or"), or nearly the same, are
suggested, and the partner picks one or says it is none of them.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import Q

from accounts.models import Company
from accounts.validators import normalize_neq
from service_points.folding import words

# Legal forms and their abbreviations, which say nothing about which company it is.
LEGAL_WORDS = frozenset(
    {
        "inc", "incorporee", "incorporated", "ltee", "limitee", "ltd", "limited", "enr", "enregistree",
        "senc", "sencrl", "srl", "corp", "corporation", "cie", "compagnie", "co", "llc", "sa", "s",
        "a", "r", "l",
    }
)  # fmt: skip
# Articles, which people put first or last ("Serres Sainte-Anne (Les)") or leave out.
ARTICLES = frozenset({"le", "la", "les", "the"})
SIMILAR = 0.85  # SequenceMatcher ratio of the name keys from which a company is suggested
MAX_SUGGESTIONS = 5
MAX_CANDIDATES = 200  # companies compared in Python, from the place and the name's main words


def name_key(name: str) -> str:
    """The name without accents, case, punctuation or legal form: "Boulangerie l'Épi d'or inc."
    → "boulangerieepidor" (articles, and single letters such as the elided l' and d', are dropped)."""
    return "".join(w for w in words(name) if w not in LEGAL_WORDS and w not in ARTICLES and len(w) > 1)


def similarity(a: str, b: str) -> float:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    return 1.0 if ka == kb else SequenceMatcher(None, ka, kb).ratio()


@dataclass
class Match:
    """`company`: the company the NEQ found; else `suggestions`, nearest name first."""

    company: Company | None = None
    suggestions: list[Company] = field(default_factory=list)


def find_company(*, neq: str = "", name: str = "", municipality=None) -> Match:
    """The company with this NEQ, or the companies whose name is the same or nearly (2 queries)."""
    neq = normalize_neq(neq)
    if neq:
        company = Company.objects.filter(neq=neq).select_related("municipality").first()
        if company is not None:
            return Match(company=company)
    if not name_key(name):
        return Match()
    significant = [w for w in words(name) if w not in LEGAL_WORDS and len(w) > 3]
    by_name = Q()
    for word in significant[:3]:
        by_name |= Q(legal_name__icontains=word)
    where = by_name
    if municipality is not None:
        where |= Q(municipality=municipality)
    if not where:
        return Match()
    candidates = list(Company.objects.filter(where).select_related("municipality")[:MAX_CANDIDATES])
    scored = []
    for company in candidates:
        score = similarity(name, company.legal_name)
        same_place = municipality is not None and company.municipality_id == municipality.pk
        # Elsewhere, only the same name: a chain's branches are different places of one NEQ anyway.
        if score >= SIMILAR and (same_place or score == 1.0):
            scored.append((-score, not same_place, company.legal_name, company))
    scored.sort(key=lambda row: row[:3])
    return Match(suggestions=[row[3] for row in scored[:MAX_SUGGESTIONS]])
