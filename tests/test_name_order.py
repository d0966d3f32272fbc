"""Every list of people shows them in French order of their names (core.collation), on both
databases: the advisers of a directorate's page, of the manager's dashboard, of the reassign
form, and the adviser model's default order (the admin's list).

Runs on PostgreSQL (DATABASE_URL) and on SQLite (without it).
"""

import random

import pytest
from django.urls import reverse

from advisors.models import Advisor
from appointments.selectors import reassignment_candidates
from dashboards.selectors import advisors_in_scope
from midi_regions.selectors import directorate_overview
from tests.factories import AdvisorFactory

pytestmark = pytest.mark.django_db

LAST_NAMES = ["Grenier", "Gélinas", "Ethier", "Émond", "Lévesque", "Levesque", "de la Chevrotière", "Delage"]
IN_FRENCH_ORDER = [
    "de la Chevrotière",
    "Delage",
    "Émond",
    "Ethier",
    "Gélinas",
    "Grenier",
    "Levesque",
    "Lévesque",
]


@pytest.fixture
def advisers(bookable):
    """Advisers of directorate A with the names that byte order gets wrong, created out of order."""
    made = [
        AdvisorFactory(
            home_service_point=bookable.point_a,
            knows=[bookable.topic],
            user__last_name=name,
            user__first_name="Marie",
        )
        for name in random.Random(19).sample(LAST_NAMES, len(LAST_NAMES))
    ]
    return [a.pk for a in made]


def names(advisers) -> list[str]:
    return [a.user.last_name for a in advisers if a.user.first_name == "Marie"]


def test_every_list_of_advisers_is_in_french_order(bookable, advisers):
    assert names(Advisor.objects.filter(pk__in=advisers).select_related("user")) == IN_FRENCH_ORDER
    assert names(directorate_overview(bookable.directorate_a)["advisors"]) == IN_FRENCH_ORDER
    assert names(advisors_in_scope([bookable.directorate_a])) == IN_FRENCH_ORDER
    assert (
        names(reassignment_candidates(directorate_ids=[bookable.directorate_a.pk], topic=bookable.topic))
        == IN_FRENCH_ORDER
    )


@pytest.mark.usefixtures("frozen_now")
def test_the_reassign_form_offers_advisers_in_french_order(client_for, bookable, advisers, manager, booked):
    page = client_for(manager).get(reverse("advisors:appointment", kwargs={"uid": booked.uid}))
    options = list(page.context["reassign_form"].fields["advisor"].queryset)

    assert names(options) == IN_FRENCH_ORDER
