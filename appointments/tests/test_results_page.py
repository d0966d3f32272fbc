"""The booking results page made cheap and never stale: its form's lookups are kept per catalogue
generation, the company's upcoming appointments and last adviser come in one query, the day picker
is rendered once per distinct content — and whatever changed before a load is on that load."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments import selectors, views
from appointments.models import Appointment, Topic
from core.catalogue import derived
from service_points.models import MunicipalityAlias
from tests import factories
from tests.booking_helpers import book, local, search_params, tuesday

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

TUESDAY = tuesday(0).date()


@pytest.fixture(autouse=True)
def _no_kept_fragments():
    views._picker_fragments.clear()
    derived.clear()
    yield
    views._picker_fragments.clear()
    derived.clear()


def load(client, network, **params):
    return client.get(reverse("appointments:slots"), search_params(network, **params))


def shown_times(response, advisor) -> list:
    return [
        slot.start
        for group, slots in response.context["picker"].groups
        if group.advisor == advisor
        for slot in slots
    ]


def time_link(advisor, at) -> str:
    """The confirm link's end for the adviser's time at their home point."""
    from appointments.templatetags.booking import utc_param

    return f"advisor={advisor.pk}&amp;point={advisor.home_service_point_id}&amp;at={utc_param(at)}"


def test_a_time_booked_by_another_company_is_not_shown_free_on_the_next_load(
    client_for, employer_a, employer_b, bookable
):
    client = client_for(employer_a)
    at = local(TUESDAY, 10, 30)
    before = load(client, bookable, day=TUESDAY.isoformat())
    assert at in shown_times(before, bookable.advisor_a)
    assert time_link(bookable.advisor_a, at) in before.content.decode()

    book(bookable, employer_b, at)  # someone else, meanwhile

    after = load(client, bookable, day=TUESDAY.isoformat())
    assert at not in shown_times(after, bookable.advisor_a)
    assert (
        time_link(bookable.advisor_a, at) not in after.content.decode()
    )  # the kept HTML of the first load is not reused
    assert shown_times(after, bookable.advisor_a)  # the day's other times still are
    htmx = client.get(
        reverse("appointments:slots"),
        search_params(bookable, day=TUESDAY.isoformat()),
        HTTP_HX_REQUEST="true",
    )
    assert (
        time_link(bookable.advisor_a, at) not in htmx.content.decode()
        and "slot-group" in htmx.content.decode()
    )


def test_a_cancellation_frees_the_time_on_the_next_load(client_for, employer_a, employer_b, bookable):
    at = local(TUESDAY, 10, 30)
    appointment = book(bookable, employer_b, at)
    client = client_for(employer_a)
    assert at not in shown_times(load(client, bookable, day=TUESDAY.isoformat()), bookable.advisor_a)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    page = load(client, bookable, day=TUESDAY.isoformat())
    assert (
        at in shown_times(page, bookable.advisor_a)
        and time_link(bookable.advisor_a, at) in page.content.decode()
    )


def test_the_same_search_answered_the_same_is_rendered_once(client_for, employer_a, bookable, monkeypatch):
    client = client_for(employer_a)
    first = load(client, bookable)
    renders = []
    original = views.render_to_string
    monkeypatch.setattr(views, "render_to_string", lambda *a, **k: renders.append(a[0]) or original(*a, **k))
    again = load(client_for(employer_a), bookable)
    assert renders == []
    assert again.context["picker_html"] == first.context["picker_html"]
    assert first.context["picker_html"] in again.content.decode()


def test_an_advisers_new_name_is_on_the_next_load(client_for, employer_a, bookable):
    client = client_for(employer_a)
    assert "Zéphirine" not in load(client, bookable).content.decode()
    get_user_model().objects.filter(pk=bookable.advisor_a.user_id).update(first_name="Zéphirine")
    assert "Zéphirine" in load(client, bookable).content.decode()


def test_a_topic_renamed_or_withdrawn_is_seen_on_the_next_load(client_for, employer_a, bookable):
    client = client_for(employer_a)
    assert load(client, bookable).status_code == 200
    Topic.objects.filter(pk=bookable.topic.pk).update(name_fr="Sujet renommé")
    assert "Sujet renommé" in load(client, bookable).content.decode()
    factories.TopicFactory(code="autre-sujet")  # the form still has a topic to offer
    Topic.objects.filter(pk=bookable.topic.pk).update(is_active=False)
    assert load(client, bookable).status_code == 400


def test_a_topic_added_is_accepted_on_the_next_load(client_for, employer_a, bookable):
    client = client_for(employer_a)
    load(client, bookable)  # the topics kept for this generation
    added = factories.TopicFactory(code="nouveau-sujet")
    response = load(client, bookable, topic=added.code)
    assert response.status_code == 200 and response.context["form"].cleaned_data["topic"] == added


def test_a_place_alias_added_is_understood_on_the_next_load(client_for, employer_a, bookable):
    client = client_for(employer_a)
    assert load(client, bookable, municipality="Qxyzwv-les-Bains").status_code == 400
    MunicipalityAlias.objects.create(municipality=bookable.municipality_a, name="Qxyzwv-les-Bains")
    response = load(client, bookable, municipality="Qxyzwv-les-Bains")
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["municipality"] == bookable.municipality_a


def test_a_warm_page_reads_the_database_three_times(client_for, employer_a, bookable):
    """The company's upcoming appointments with its last adviser, the appointments ∪ claims of
    the nearest advisers with the catalogue generation (PostgreSQL; elsewhere the generation is
    one more query), and the topic's group sessions with seats left."""
    client = client_for(employer_a)
    load(client, bookable)
    with CaptureQueriesContext(connection) as queries:
        load(client, bookable, day=(TUESDAY + timedelta(days=1)).isoformat())
    # The group sessions are offered beside the times (appointments.suggestions: one count).
    assert len(queries) <= (3 if connection.vendor == "postgresql" else 4), [q["sql"] for q in queries]


@pytest.mark.parametrize(
    "history",
    [
        [],
        [(-30, "completed", "b")],
        [(-60, "completed", "b"), (-2, "confirmed", "a")],
        [(-2, "no_show", "a"), (-40, "confirmed", "b")],
        [(3, "confirmed", "a"), (6, "confirmed", "b"), (-10, "completed", "a"), (5, "cancelled", "b")],
    ],
)
def test_upcoming_and_last_adviser_answer_as_the_two_selectors(bookable, employer_a, history):
    company = employer_a.employer_profile.company
    for days, status, who in history:
        advisor = bookable.advisor_a if who == "a" else bookable.advisor_b
        starts_at = local(TUESDAY, 9) + timedelta(days=days)
        Appointment.objects.create(
            advisor=advisor,
            topic=bookable.topic,
            mode="service_point",
            service_point=advisor.home_service_point,
            company=company,
            municipality=company.municipality,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            status=status,
        )
    upcoming, last = selectors.upcoming_and_last_advisor(company, bookable.topic)
    assert upcoming == selectors.upcoming_on_topic(company, bookable.topic)
    assert last == selectors.last_advisor(company, bookable.topic)
    assert [str(a.advisor) for a in upcoming] == [
        str(a.advisor) for a in selectors.upcoming_on_topic(company, bookable.topic)
    ]
