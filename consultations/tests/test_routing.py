"""Routing consultation requests (consultations.routing): nearest adviser, filters, SLA escalation."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from appointments.models import Appointment, Mode
from consultations import routing, tasks
from consultations.models import ConsultationRequest, RoutingDecision
from core.business_hours import add_business_hours
from tests import factories
from tests.booking_helpers import make_request, staff

TORONTO = ZoneInfo("America/Toronto")
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 14, 0, tzinfo=TORONTO)
THREADS = 10
Status = ConsultationRequest.Status
Reason = RoutingDecision.Reason


def route(request, **kwargs):
    decision = routing.route_request(request.pk, **kwargs)
    request.refresh_from_db()
    return decision


@pytest.fixture
def staffed(network):
    staff(network.advisor_a)
    staff(network.advisor_b)
    return network


@pytest.fixture
def neighbour(staffed):
    """A third adviser at the Trois-Rivières point: the same distance as advisor_a."""
    advisor = factories.AdvisorFactory(home_service_point=staffed.point_a, knows=[staffed.topic])
    staff(advisor)
    return advisor


# Ranking and filters ---------------------------------------------------------------------------


def test_it_assigns_the_nearest_qualified_adviser(staffed):
    request = make_request(staffed)
    now = timezone.now()
    decision = route(request, now=now)

    assert decision.chosen_advisor == staffed.advisor_a
    assert decision.reason == Reason.NEAREST
    assert decision.hop == 1
    assert request.status == Status.ASSIGNED
    assert request.assigned_advisor == staffed.advisor_a
    assert request.hops == 1
    assert request.assigned_at == now
    assert request.due_at == add_business_hours(now, settings.ROUTING_SLA_BUSINESS_HOURS)


def test_it_stores_the_candidates_weighed_nearest_first(staffed):
    decision = route(make_request(staffed, municipality=staffed.municipality_b))

    assert decision.chosen_advisor == staffed.advisor_b
    assert [c["advisor"] for c in decision.candidates] == [staffed.advisor_b.pk, staffed.advisor_a.pk]
    first, second = decision.candidates
    assert first["distance_km"] == 0.0
    assert 110 < second["distance_km"] < 130  # Montréal – Trois-Rivières
    assert first["name"] == str(staffed.advisor_b)
    assert first["load"] == second["load"] == 0


def test_it_caps_the_stored_candidates(staffed):
    for _ in range(12):
        staff(factories.AdvisorFactory(home_service_point=staffed.point_b, knows=[staffed.topic]))
    decision = route(make_request(staffed))
    assert len(decision.candidates) == routing.STORED_CANDIDATES
    assert decision.candidates[0]["advisor"] == staffed.advisor_a.pk


def test_it_keeps_only_advisers_speaking_the_language(staffed):
    # Only advisor_a (Trois-Rivières) speaks English: a Montréal request in English goes there.
    decision = route(make_request(staffed, municipality=staffed.municipality_b, language="en"))
    assert decision.chosen_advisor == staffed.advisor_a
    assert [c["advisor"] for c in decision.candidates] == [staffed.advisor_a.pk]


def test_it_keeps_only_advisers_with_the_topic(staffed):
    other_topic = factories.TopicFactory()
    staffed.advisor_a.topics.add(other_topic)
    decision = route(make_request(staffed, municipality=staffed.municipality_b, topic=other_topic))
    assert decision.chosen_advisor == staffed.advisor_a


def test_it_skips_inactive_advisers(staffed):
    staffed.advisor_b.is_active = False
    staffed.advisor_b.save()
    decision = route(make_request(staffed, municipality=staffed.municipality_b))
    assert decision.chosen_advisor == staffed.advisor_a


def test_a_meeting_at_a_service_point_needs_an_adviser_who_staffs_one(network):
    staff(network.advisor_a)  # advisor_b serves the Montréal point but never works there
    request = make_request(network, municipality=network.municipality_b, mode=Mode.SERVICE_POINT)
    decision = route(request)
    assert decision.chosen_advisor == network.advisor_a
    assert decision.candidates[0]["service_point"] == network.point_a.pk


def test_a_phone_call_goes_to_any_adviser_staffing_or_not(network):
    decision = route(make_request(network, municipality=network.municipality_b, mode=Mode.VIDEO))
    assert decision.chosen_advisor == network.advisor_b


def test_a_visit_at_the_premises_needs_a_staffed_point_within_the_travel_radius(staffed):
    staffed.advisor_b.is_active = False
    staffed.advisor_b.save()
    # advisor_a travels 80 km; Montréal is about 120 km from Trois-Rivières.
    request = make_request(staffed, municipality=staffed.municipality_b, mode=Mode.PREMISES)
    decision = route(request)
    assert decision.reason == Reason.NO_CANDIDATE
    assert request.status == Status.MANAGER

    staffed.advisor_a.travel_radius_km = 150
    staffed.advisor_a.save()
    request = make_request(staffed, municipality=staffed.municipality_b, mode=Mode.PREMISES)
    assert route(request).chosen_advisor == staffed.advisor_a


# Ties by caseload ------------------------------------------------------------------------------


def test_a_tie_on_distance_goes_to_the_lighter_caseload(staffed, neighbour):
    make_request(staffed, status=Status.ASSIGNED, assigned_advisor=staffed.advisor_a)
    decision = route(make_request(staffed))

    assert decision.chosen_advisor == neighbour
    assert decision.reason == Reason.TIE_BY_LOAD
    loads = {c["advisor"]: c["load"] for c in decision.candidates}
    assert loads == {neighbour.pk: 0, staffed.advisor_a.pk: 1, staffed.advisor_b.pk: 0}
    assert [c["advisor"] for c in decision.candidates][:2] == [neighbour.pk, staffed.advisor_a.pk]


def test_upcoming_appointments_count_in_the_caseload(staffed, neighbour):
    now = timezone.now()
    company = factories.CompanyFactory(municipality=staffed.municipality_a)
    for days, status in [
        (3, Appointment.Status.CONFIRMED),
        (4, Appointment.Status.CONFIRMED),
        (5, Appointment.Status.CANCELLED),  # cancelled: not a load
        (-3, Appointment.Status.COMPLETED),  # past: not a load
    ]:
        Appointment.objects.create(
            advisor=neighbour,
            topic=staffed.topic,
            mode=Mode.PHONE,
            company=company,
            municipality=staffed.municipality_a,
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=1),
            status=status,
        )
    make_request(staffed, status=Status.ASSIGNED, assigned_advisor=staffed.advisor_a)
    make_request(staffed, status=Status.BOOKED, assigned_advisor=staffed.advisor_a)  # closed

    assert routing.open_caseload([staffed.advisor_a.pk, neighbour.pk, staffed.advisor_b.pk], now=now) == {
        staffed.advisor_a.pk: 1,
        neighbour.pk: 2,
        staffed.advisor_b.pk: 0,
    }
    decision = route(make_request(staffed), now=now)
    assert decision.chosen_advisor == staffed.advisor_a
    assert decision.reason == Reason.TIE_BY_LOAD


def test_equal_caseloads_on_a_tie_are_not_a_tie_by_load(staffed, neighbour):
    decision = route(make_request(staffed))
    assert decision.reason == Reason.NEAREST
    assert decision.chosen_advisor_id == min(staffed.advisor_a.pk, neighbour.pk)


def test_open_caseload_costs_one_query_per_source(staffed, neighbour, django_assert_num_queries):
    # Requests, appointments, and company files in progress (registered by company_files).
    with django_assert_num_queries(3):
        routing.open_caseload([staffed.advisor_a.pk, staffed.advisor_b.pk, neighbour.pk])
    with django_assert_num_queries(0):
        assert routing.open_caseload([]) == {}


# Idempotence -----------------------------------------------------------------------------------


def test_routing_twice_assigns_once(staffed, django_capture_on_commit_callbacks):
    request = make_request(staffed)
    with django_capture_on_commit_callbacks(execute=True):
        first = route(request)
        second = route(request)

    assert second == first
    assert request.decisions.count() == 1
    assert request.hops == 1
    assert len(mail.outbox) == 1


def test_routing_finds_a_hop_decided_meanwhile(staffed):
    request = make_request(staffed)
    existing = RoutingDecision.objects.create(
        request=request, hop=1, reason=Reason.NEAREST, chosen_advisor=staffed.advisor_b
    )
    assert route(request) == existing
    assert request.decisions.count() == 1


def test_routing_an_unknown_request_does_nothing(db):
    assert routing.route_request(987654) is None


# Emails ----------------------------------------------------------------------------------------


def inbox_url(language):
    with translation.override(language):
        try:
            return settings.SITE_URL + reverse("appointments:inbox")
        except NoReverseMatch:
            return settings.SITE_URL + ("/en/" if language == "en" else "/")


def test_the_adviser_is_emailed_in_their_language(staffed, django_capture_on_commit_callbacks):
    user = staffed.advisor_a.user
    user.language = "en"
    user.save()
    request = make_request(staffed, message="Nous recrutons trois soudeurs.")
    with django_capture_on_commit_callbacks(execute=True):
        route(request)

    (email,) = mail.outbox
    assert email.to == [user.email]
    assert email.subject.startswith("New consultation request")
    assert request.company.legal_name in email.subject
    assert inbox_url("en") in email.body
    assert "Nous recrutons trois soudeurs." in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert inbox_url("en") in html


def test_no_email_before_the_commit(staffed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        route(make_request(staffed))
    assert len(callbacks) == 1
    assert mail.outbox == []


# Escalation ------------------------------------------------------------------------------------


def test_an_overdue_request_goes_to_the_next_nearest_adviser(staffed, django_capture_on_commit_callbacks):
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        request = make_request(staffed)
        route(request)
    # 16 business hours from Friday 14:00: Tuesday 14:00 (2.5 h + 8 h + 5.5 h).
    assert request.due_at == datetime(2026, 12, 1, 14, 0, tzinfo=TORONTO)

    with time_machine.travel(datetime(2026, 12, 1, 13, 59, tzinfo=TORONTO), tick=False):
        assert routing.escalate_overdue() == 0
    with (
        time_machine.travel(datetime(2026, 12, 1, 14, 0, tzinfo=TORONTO), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert routing.escalate_overdue() == 1
        assert routing.escalate_overdue() == 0  # the next tick finds nothing overdue

    request.refresh_from_db()
    assert request.assigned_advisor == staffed.advisor_b
    assert request.status == Status.ASSIGNED
    assert request.hops == 2
    assert request.due_at == datetime(2026, 12, 3, 14, 0, tzinfo=TORONTO)
    decision = request.decisions.get(hop=2)
    assert decision.reason == Reason.SLA_ESCALATION
    assert [c["advisor"] for c in decision.candidates] == [staffed.advisor_b.pk]
    assert mail.outbox[0].to == [staffed.advisor_b.user.email]


def test_when_every_adviser_was_tried_the_manager_takes_over(staffed, django_capture_on_commit_callbacks):
    request = make_request(staffed)
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        route(request)
    with time_machine.travel(FRIDAY_AFTERNOON + timedelta(days=7), tick=False):
        routing.escalate_overdue()  # advisor_b
    with (
        time_machine.travel(FRIDAY_AFTERNOON + timedelta(days=14), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert routing.escalate_overdue() == 1

    request.refresh_from_db()
    assert request.status == Status.MANAGER
    assert request.assigned_manager == staffed.directorate_a.manager
    assert request.assigned_advisor is None
    assert request.due_at is None
    decision = request.decisions.get(hop=3)
    assert decision.reason == Reason.CANDIDATES_EXHAUSTED
    assert decision.chosen_manager == staffed.directorate_a.manager
    (email,) = mail.outbox
    assert email.to == [staffed.directorate_a.manager.email]
    with translation.override(staffed.directorate_a.manager.language):
        assert str(Reason.CANDIDATES_EXHAUSTED.label) in email.body

    with time_machine.travel(FRIDAY_AFTERNOON + timedelta(days=30), tick=False):
        assert routing.escalate_overdue() == 0  # with the manager: no further hop


def test_after_the_maximum_hops_the_manager_takes_over(staffed, neighbour, settings):
    settings.ROUTING_MAX_HOPS = 2
    request = make_request(staffed)
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        route(request)
    for week in (1, 2):
        with time_machine.travel(FRIDAY_AFTERNOON + timedelta(days=7 * week), tick=False):
            routing.escalate_overdue()

    request.refresh_from_db()
    reasons = list(request.decisions.values_list("hop", "reason"))
    assert reasons == [(1, Reason.NEAREST), (2, Reason.SLA_ESCALATION), (3, Reason.MAX_HOPS)]
    assert request.status == Status.MANAGER
    assert request.assigned_manager == staffed.directorate_a.manager
    tried = list(request.decisions.exclude(chosen_advisor=None).values_list("chosen_advisor_id", flat=True))
    assert set(tried) == {staffed.advisor_a.pk, neighbour.pk}  # the two nearest, never one twice
    # The manager sees who else could take it.
    assert [c["advisor"] for c in request.decisions.get(hop=3).candidates] == [staffed.advisor_b.pk]


def test_a_request_nobody_covers_goes_straight_to_the_manager(staffed, django_capture_on_commit_callbacks):
    uncovered = factories.TopicFactory()
    request = make_request(staffed, municipality=staffed.municipality_b, topic=uncovered)
    with django_capture_on_commit_callbacks(execute=True):
        decision = route(request)

    assert decision.reason == Reason.NO_CANDIDATE
    assert decision.hop == 1
    assert decision.candidates == []
    assert request.status == Status.MANAGER
    assert request.assigned_manager == staffed.directorate_b.manager  # Montréal's directorate
    assert request.hops == 1
    (email,) = mail.outbox
    assert email.to == [staffed.directorate_b.manager.email]
    assert str(request.uid) in email.body  # the link opens the request


def test_a_request_without_a_manager_waits_with_the_directorate(staffed):
    staffed.directorate_b.manager = None
    staffed.directorate_b.save()
    request = make_request(staffed, municipality=staffed.municipality_b, topic=factories.TopicFactory())
    decision = route(request)
    assert decision.reason == Reason.NO_CANDIDATE
    assert decision.chosen_manager is None
    assert request.status == Status.MANAGER


def test_escalating_twice_moves_a_request_once(staffed):
    request = make_request(staffed)
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        route(request)
    later = FRIDAY_AFTERNOON + timedelta(days=7)
    assert routing.escalate_request(request.pk, now=later) is not None
    assert routing.escalate_request(request.pk, now=later) is None
    request.refresh_from_db()
    assert request.hops == 2


def test_an_email_for_a_hop_already_passed_is_not_sent(staffed):
    request = make_request(staffed)
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        first = route(request)
    routing.escalate_request(request.pk, now=FRIDAY_AFTERNOON + timedelta(days=7))
    assert routing.send_routing_email(first.pk) == 0
    assert mail.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_routings_of_one_request_assign_it_once(staffed):
    request = make_request(staffed)
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def run():
        try:
            barrier.wait(timeout=30)
            decision = routing.route_request(request.pk)
            outcomes.append(decision.pk if decision else None)
        except Exception as error:  # shown by the assertion below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    decision = RoutingDecision.objects.get(request=request)
    assert outcomes == [decision.pk] * THREADS
    request.refresh_from_db()
    assert request.hops == 1
    assert len(mail.outbox) == 1


# The beat's sweep of unrouted requests ---------------------------------------------------------


def test_the_sweep_routes_requests_still_new_after_two_minutes(staffed, django_capture_on_commit_callbacks):
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        lost = make_request(staffed)
    with time_machine.travel(FRIDAY_AFTERNOON + timedelta(seconds=90), tick=False):
        recent = make_request(staffed)
    with (
        time_machine.travel(FRIDAY_AFTERNOON + timedelta(minutes=2, seconds=30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        routing.escalate_overdue()

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.status == Status.ASSIGNED
    assert lost.hops == 1
    assert recent.status == Status.NEW


# Tasks and the beat ----------------------------------------------------------------------------


def test_the_tasks_call_the_routing_functions(staffed, django_capture_on_commit_callbacks):
    request = make_request(staffed)
    decision_id = tasks.route_request.delay(request.pk).get()
    assert RoutingDecision.objects.get(pk=decision_id).request == request
    assert tasks.escalate_overdue_requests.delay().get() == 0


def test_the_beat_escalates_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["escalate-overdue-requests"]
    assert entry["task"] == tasks.escalate_overdue_requests.name
    assert entry["schedule"] == 300


# Query count -----------------------------------------------------------------------------------


def queries_to_route(network) -> int:
    request = make_request(network)
    with CaptureQueriesContext(connection) as queries:
        route(request)
    return len(queries) - 1  # refresh_from_db


def test_the_query_count_does_not_grow_with_the_network(staffed):
    few = queries_to_route(staffed)
    for point in (staffed.point_a, staffed.point_b):
        for _ in range(15):
            staff(factories.AdvisorFactory(home_service_point=point, knows=[staffed.topic]))
    make_request(staffed, status=Status.ASSIGNED, assigned_advisor=staffed.advisor_a)
    assert queries_to_route(staffed) == few
    # lock, hop check, ranking, the points serving the employer's municipality (territory),
    # 3 caseload aggregates (requests, appointments, open company files), the company's last
    # adviser (continuity), names, insert, the endpoints subscribed to the decision (webhooks),
    # update + 4 savepoint queries
    assert few <= 16
