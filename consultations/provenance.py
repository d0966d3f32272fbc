"""Where a request came from, as lines the adviser reads on the request's page.

Apps above consultations (a partner's referral: referrals) register, from their AppConfig.ready,
a source that takes a request and returns (label, text) pairs; consultations may not import them.
"""

from collections.abc import Callable, Iterable

ProvenanceSource = Callable[[object], Iterable[tuple[str, str]]]

_SOURCES: list[ProvenanceSource] = []


def register(source: ProvenanceSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def provenance_of(request) -> list[tuple[str, str]]:
    """Every registered source's (label, text) lines for `request`: one query a source."""
    return [line for source in _SOURCES for line in source(request)]
