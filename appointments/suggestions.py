"""Other ways to be served that other apps offer on the booking page, for the topic searched (the
group information sessions of that topic). Apps register a source from their AppConfig.ready():
a function of the topic returning a list of `Suggestion` (1 query at most, please)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    text: str  # one sentence, in the active language
    link_text: str
    url: str


_SOURCES: list[Callable] = []


def register(source: Callable) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def for_topic(topic) -> list[Suggestion]:
    return [suggestion for source in _SOURCES for suggestion in source(topic)]
