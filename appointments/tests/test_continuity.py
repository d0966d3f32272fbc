"""Continuity: the adviser who served a company last on a topic is offered first when within
reach, and routing prefers them when their caseload is close to the chosen adviser's."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from appointments import selectors
from appointments.models import Appointment, Mode
from consultations import routing
from consultations.models import ConsultationRequest, RoutingDecision
from tests import factories
from tests.booking_helpers import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

Reason = RoutingDecision.Reason


def past(network, company, advisor, *, days_ago=30, status=Appointment.Status.COMPLETED, topic=None):
    """An appointment `days_ago` days ago (no booking rules apply to the past)."""
    starts_at = timezone.now() - timedelta(days=days_ago)
    return Appointment.objects.create(
        advisor=advisor,
        topic=topic or network.topic,
        mode=Mode.SERVICE_POINT,
        service_point=advisor.home_service_point,
        company=company,
        municipality=company.municipality,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        status=status,
    )


@pytest.fixture
def company_a(employer_a):
    return employer_a.employer_profile.company


@pytest.fixture
def met_b(bookable, company_a):
    """Company A (Trois-Rivières) met the Montréal adviser last time, 130 km away."""
    past(bookable, company_a, bookable.advisor_b)
    return bookable.advisor_b


def search(network, *, mode=Mode.SERVICE_POINT, prefer=None):
    return selectors.available_slots(
        topic=network.topic, mode=mode, location=network.municipality_a, prefer_advisor_id=prefer
    )


# --- Who served the company last -----------------------------------------------------------------


def test_the_last_adviser_is_the_one_of_the_latest_completed_consultation(bookable, company_a):
    past(bookable, company_a, bookable.advisor_a, days_ago=60)
    past(bookable, company_a, bookable.advisor_b, days_ago=20)
    assert selectors.last_advisor(company_a, bookable.topic) == bookable.advisor_b


def test_a_completed_consultation_wins_over_a_later_one_not_recorded_yet(bookable, company_a):
    past(bookable, company_a, bookable.advisor_b, days_ago=60)
    past(bookable, company_a, bookable.advisor_a, days_ago=2, status=Appointment.Status.CONFIRMED)
    assert selectors.last_advisor(company_a, bookable.topic) == bookable.advisor_b


def test_a_past_appointment_not_recorded_yet_counts_when_none_is_completed(bookable, company_a):
    past(bookable, company_a, bookable.advisor_b, days_ago=2, status=Appointment.Status.CONFIRMED)
    assert selectors.last_advisor(company_a, bookable.topic) == bookable.advisor_b


@pytest.mark.parametrize("status", [Appointment.Status.NO_SHOW, Appointment.Status.CANCELLED])
def test_a_no_show_or_a_cancellation_served_nobody(bookable, company_a, status):
    past(bookable, company_a, bookable.advisor_b, days_ago=2, status=status)
    assert selectors.last_advisor(company_a, bookable.topic) is None


def test_future_appointments_other_topics_and_other_companies_do_not_count(bookable, company_a, employer_b):
    other_topic = factories.TopicFactory(code="permanent")
    past(bookable, company_a, bookable.advisor_b, days_ago=-3, status=Appointment.Status.CONFIRMED)
    past(bookable, company_a, bookable.advisor_b, topic=other_topic, days_ago=30)
    past(bookable, employer_b.employer_profile.company, bookable.advisor_b, days_ago=31)
    assert selectors.last_advisor(company_a, bookable.topic) is None
    assert selectors.last_advisor(None, bookable.topic) is None


def test_an_adviser_who_left_is_not_the_last_adviser(bookable, company_a):
    past(bookable, company_a, bookable.advisor_a, days_ago=90)
    past(bookable, company_a, bookable.advisor_b, days_ago=10)
    bookable.advisor_b.is_active = False
    bookable.advisor_b.save()
    assert selectors.last_advisor(company_a, bookable.topic) == bookable.advisor_a


def test_finding_the_last_adviser_costs_one_query(bookable, company_a, met_b, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert str(selectors.last_advisor(company_a, bookable.topic))  # the user is joined in


# --- Slot search ----------------------------------------------------------------------------------


def test_the_last_adviser_is_offered_first_on_the_slot_page(client_for, employer_a, met_b, bookable):
    params = {"topic": bookable.topic.code, "mode": Mode.SERVICE_POINT, "municipality": "Trois-Rivières"}
    with translation.override("en"):
        url = reverse("appointments:slots")  # the English page: the badge's words are the msgid
    response = client_for(employer_a).get(url, params)
    assert response.status_code == 200
    groups = response.context["search"].groups
    assert [g.advisor for g in groups] == [bookable.advisor_b, bookable.advisor_a]
    assert [g.preferred for g in groups] == [True, False]
    assert groups[0].distance_km > groups[1].distance_km
    assert response.content.decode().count("You met this adviser last time") == 1


def test_without_history_the_nearest_comes_first(client_for, employer_b, bookable):
    params = {"topic": bookable.topic.code, "mode": Mode.SERVICE_POINT, "municipality": "Trois-Rivières"}
    groups = client_for(employer_b).get(reverse("appointments:slots"), params).context["search"].groups
    assert [g.advisor for g in groups] == [bookable.advisor_a, bookable.advisor_b]
    assert not any(g.preferred for g in groups)


def test_the_api_search_puts_the_last_adviser_first(client_for, employer_a, met_b, bookable):
    response = client_for(employer_a).get(
        reverse("api:slots"),
        {
            "topic": bookable.topic.code,
            "mode": Mode.SERVICE_POINT,
            "municipality": int(bookable.municipality_a.code),
        },
    )
    assert response.status_code == 200
    groups = response.json()["groups"]
    assert [g["advisor"]["id"] for g in groups] == [bookable.advisor_b.pk, bookable.advisor_a.pk]
    assert [g["met_last_time"] for g in groups] == [True, False]


def test_an_adviser_out_of_travel_reach_is_not_offered_first(bookable, met_b):
    # A visit at the premises: Montréal is beyond the adviser's 80 km travel radius.
    groups = search(bookable, mode=Mode.PREMISES, prefer=met_b.pk).groups
    assert [g.advisor for g in groups] == [bookable.advisor_a]
    assert not groups[0].preferred


def test_an_adviser_beyond_the_nearest_few_is_not_offered_first(bookable, met_b, monkeypatch):
    monkeypatch.setattr(selectors, "CONTINUITY_REACH", 1)
    groups = search(bookable, prefer=met_b.pk).groups
    assert [g.advisor for g in groups] == [bookable.advisor_a, bookable.advisor_b]
    assert not any(g.preferred for g in groups)


def test_preferring_the_nearest_adviser_changes_nothing_but_the_mark(bookable):
    groups = search(bookable, prefer=bookable.advisor_a.pk).groups
    assert [g.advisor for g in groups] == [bookable.advisor_a, bookable.advisor_b]
    assert [g.preferred for g in groups] == [True, False]


def test_all_of_the_last_advisers_points_come_first(bookable, met_b):
    # The Montréal adviser also staffs Trois-Rivières: both their groups come before the other's.
    from tests.booking_helpers import open_weekdays

    met_b.service_points.add(bookable.point_a)
    open_weekdays(met_b, bookable.point_a)
    groups = search(bookable, prefer=met_b.pk).groups
    assert [(g.advisor, g.service_point) for g in groups][:2] == [
        (met_b, bookable.point_a),
        (met_b, bookable.point_b),
    ]
    assert groups[2].advisor == bookable.advisor_a


def test_rescheduling_keeps_the_same_adviser_whatever_the_history(client_for, employer_a, met_b, bookable):

    appointment = book(bookable, employer_a)
    response = client_for(employer_a).get(reverse("appointments:reschedule", args=[appointment.uid]))
    assert [g.advisor for g in response.context["search"].groups] == [bookable.advisor_a]


# --- Routing --------------------------------------------------------------------------------------


def staff_both(network):
    from tests.booking_helpers import staff

    staff(network.advisor_a)
    staff(network.advisor_b)


def request_of(company, network, *, mode=Mode.SERVICE_POINT):
    return ConsultationRequest.objects.create(
        company=company,
        topic=network.topic,
        mode=mode,
        municipality=company.municipality,
        language="fr",
    )


def give_load(advisor, network, count):
    """`count` open requests assigned to the adviser (their caseload)."""
    for _ in range(count):
        ConsultationRequest.objects.create(
            company=factories.CompanyFactory(municipality=network.municipality_b),
            topic=network.topic,
            mode=Mode.PHONE,
            municipality=network.municipality_b,
            status=ConsultationRequest.Status.ASSIGNED,
            assigned_advisor=advisor,
        )


def test_routing_prefers_the_last_adviser_and_records_why(network, company_a):
    staff_both(network)
    past(network, company_a, network.advisor_b)
    give_load(network.advisor_b, network, 2)  # the default gap: 2
    request = request_of(company_a, network)
    decision = routing.route_request(request.pk)
    assert decision.reason == Reason.CONTINUITY
    assert decision.chosen_advisor == network.advisor_b
    request.refresh_from_db()
    assert request.assigned_advisor == network.advisor_b
    # The candidates are kept as ranked by distance, with their loads: the manager sees the choice.
    assert [c["advisor"] for c in decision.candidates] == [network.advisor_b.pk, network.advisor_a.pk]
    assert {c["advisor"]: c["load"] for c in decision.candidates} == {
        network.advisor_a.pk: 0,
        network.advisor_b.pk: 2,
    }
    assert decision.get_reason_display()


def test_routing_does_not_prefer_them_when_the_load_gap_is_too_big(network, company_a):
    staff_both(network)
    past(network, company_a, network.advisor_b)
    give_load(network.advisor_b, network, 3)
    decision = routing.route_request(request_of(company_a, network).pk)
    assert decision.chosen_advisor == network.advisor_a
    assert decision.reason == Reason.NEAREST


def test_the_load_gap_is_a_setting(network, company_a, settings):
    settings.ROUTING_CONTINUITY_MAX_LOAD_GAP = 0
    staff_both(network)
    past(network, company_a, network.advisor_b)
    give_load(network.advisor_b, network, 1)
    assert routing.route_request(request_of(company_a, network).pk).chosen_advisor == network.advisor_a


def test_routing_does_not_prefer_an_adviser_out_of_reach(network, company_a):
    staff_both(network)
    past(network, company_a, network.advisor_b)
    # A visit at the premises in Trois-Rivières: beyond the Montréal adviser's travel radius.
    decision = routing.route_request(request_of(company_a, network, mode=Mode.PREMISES).pk)
    assert decision.chosen_advisor == network.advisor_a
    assert decision.reason == Reason.NEAREST
    assert [c["advisor"] for c in decision.candidates] == [network.advisor_a.pk]


def test_when_the_last_adviser_is_the_nearest_the_reason_stays_nearest(network, company_a):
    staff_both(network)
    past(network, company_a, network.advisor_a)
    decision = routing.route_request(request_of(company_a, network).pk)
    assert (decision.chosen_advisor, decision.reason) == (network.advisor_a, Reason.NEAREST)


def test_escalation_does_not_go_back_to_the_last_adviser_once_tried(network, company_a):
    staff_both(network)
    past(network, company_a, network.advisor_b)
    request = request_of(company_a, network)
    assert routing.route_request(request.pk).chosen_advisor == network.advisor_b
    request.refresh_from_db()
    decision = routing.escalate_request(request.pk, now=request.due_at + timedelta(minutes=1))
    assert decision.chosen_advisor == network.advisor_a
    assert decision.reason == Reason.SLA_ESCALATION
