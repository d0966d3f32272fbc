"""The employers' verdict on the dashboard and in its CSV export: satisfaction (mean of 1–5) and
the share who got what they came for, by topic, mode, service point and adviser, with the number
of answers and the response rate. A group with fewer than feedback.selectors.MIN_ANSWERS answers
shows its name only, on the page and in the file, so no answer can be traced to one employer."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appointments.models import Mode
from dashboards.selectors import Catalogue, Filters, filtered_appointments
from feedback import selectors as feedback
from feedback.selectors import MIN_ANSWERS, Satisfaction

SECTIONS = (
    ("topic", _("By topic")),
    ("mode", _("By mode")),
    ("service_point", _("By service point")),
    ("advisor", _("By adviser")),
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[tuple[str, Satisfaction]]  # (the group's name, its figures)


def _names(catalogue: Catalogue) -> dict[str, dict]:
    return {
        "topic": {t.pk: t.name for t in catalogue.topics},
        "mode": dict(Mode.choices),
        "service_point": {p.pk: f"{p.municipality.name} – {p.host_office}" for p in catalogue.service_points},
        "advisor": {a.pk: str(a) for a in catalogue.advisors},
    }


def figures(filters: Filters, catalogue: Catalogue) -> dict:
    """The total and one Section per dimension, named from the page's catalogue: 1 query."""
    found = feedback.satisfaction(filtered_appointments(filters))
    names = _names(catalogue)
    none = gettext("None (by phone or video)")
    return {
        "total": found["total"],
        "min_answers": MIN_ANSWERS,
        "sections": [
            Section(
                key=key,
                title=str(title),
                rows=[(str(names[key].get(s.key, none if s.key is None else "—")), s) for s in found[key]],
            )
            for key, title in SECTIONS
        ],
    }


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else number_format(value, digits)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{number_format(value * 100, 0)} %"


def csv_rows(filters: Filters, catalogue: Catalogue) -> tuple[list[str], Iterator[list]]:
    """The same figures as a table: one row for the total, then one per group."""
    found = figures(filters, catalogue)
    header = [
        gettext("Breakdown"),
        gettext("Group"),
        gettext("Answers"),
        gettext("Surveys sent"),
        gettext("Response rate"),
        gettext("Mean satisfaction (1–5)"),
        gettext("Got what they came for"),
        gettext("Partly"),
    ]
    hidden = gettext("fewer than %(count)s answers") % {"count": MIN_ANSWERS}

    def row(section: str, name: str, s: Satisfaction) -> list:
        if s.hidden:
            return [section, name, hidden, "", "", "", "", ""]
        return [
            section,
            name,
            s.answers,
            s.sent,
            _percent(s.response_rate),
            _number(s.mean, 1),
            _percent(s.yes_share),
            _percent(s.partly_share),
        ]

    def rows() -> Iterator[list]:
        yield row(gettext("Total"), "", found["total"])
        for section in found["sections"]:
            for name, s in section.rows:
                yield row(section.title, name, s)

    return header, rows()
