"""What else keeps an adviser busy, for routing's caseload balance.

Routing weighs each candidate's open requests and upcoming appointments (`routing.open_caseload`);
apps above consultations register here, from their AppConfig.ready, a source of more work per
adviser (company files in progress), since consultations may not import them. A source takes
adviser ids and returns (advisor_id, count) pairs: one aggregate query each.
"""

from collections.abc import Callable, Iterable

CaseloadSource = Callable[[list[int]], Iterable[tuple[int, int]]]

_SOURCES: list[CaseloadSource] = []


def register(source: CaseloadSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def registered_load(advisor_ids: list[int]) -> list[tuple[int, int]]:
    """Every registered source's (advisor_id, count) pairs for `advisor_ids`."""
    return [pair for source in _SOURCES for pair in source(advisor_ids)]
