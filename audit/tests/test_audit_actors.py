"""The audit trail's "By": the person who acted, with their role, or the system with its rule.

A manager's reassignment is the manager's, an adviser's decline the adviser's, an employer's
cancellation the employer's (or "through the emailed link" without a session); automatic routing
and escalation are the system's, with the rule that decided. A person's decision recorded before
actors were kept reads "not recorded", never "the system".
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.access import Role
from appointments import services
from appointments.models import Mode
from audit import selectors
from consultations import routing
from consultations import services as requests
from consultations.models import ConsultationRequest, RoutingDecision
from tests.booking_helpers import book, open_weekdays
from tests.factories import AdvisorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

Reason = RoutingDecision.Reason


@pytest.fixture
def routed(bookable, employer_a):
    """A request of company A, routed by the system to adviser A (the nearest)."""
    consultation = requests.create_request(
        company=employer_a.employer_profile.company,
        user=employer_a,
        data=requests.RequestData(
            topic=bookable.topic,
            mode=Mode.SERVICE_POINT,
            municipality=bookable.municipality_a,
            language="fr",
            preferred_weekdays=[],
            preferred_time=ConsultationRequest.TimeOfDay.ANY,
            message="Recrutement de soudeurs",
        ),
    )
    consultation.refresh_from_db()
    assert consultation.assigned_advisor == bookable.advisor_a
    return consultation


def audit_page(client_for, manager, network):
    """The directorate's audit page as its manager: (rows, html)."""
    response = client_for(manager).get(
        reverse("midi_regions:audit", kwargs={"code": network.directorate_a.code})
    )
    assert response.status_code == 200
    return response.context["rows"], response.content.decode()


def decision_row(rows, decision):
    (row,) = [row for row in rows if row["kind"] == "request" and row["decision"].pk == decision.pk]
    return row


def full_name(user):
    return user.get_full_name() or user.email


def french(text) -> str:
    with translation.override("fr-ca"):
        return str(text)


def test_automatic_routing_is_the_systems_with_the_rule_that_decided(client_for, routed, manager, network):
    decision = routed.decisions.get(hop=1)
    assert decision.actor is None and decision.reason == Reason.NEAREST

    rows, html = audit_page(client_for, manager, network)

    row = decision_row(rows, decision)
    assert row["what"] == "Demande attribuée"
    assert row["by"] == {
        "name": "Système",
        "detail": "Règle\xa0: Conseillère ou conseiller qualifié le plus proche",
    }
    assert (
        'Système<br><span class="small">Règle\xa0: Conseillère ou conseiller qualifié le plus proche</span>'
        in html
    )
    assert "acheminement automatique" not in html


def test_an_escalation_is_the_systems_with_its_rule(client_for, routed, manager, network):
    escalation = routing.escalate_request(routed.pk, now=routed.due_at + timedelta(minutes=1))
    assert escalation.reason == Reason.SLA_ESCALATION and escalation.actor is None

    rows, _ = audit_page(client_for, manager, network)

    row = decision_row(rows, escalation)
    assert row["what"] == "Demande transmise : réponse en retard".replace(" :", "\xa0:")
    assert row["by"] == {"name": "Système", "detail": f"Règle\xa0: {french(Reason.SLA_ESCALATION.label)}"}
    assert row["adviser"] == str(network.advisor_b)


def test_an_escalation_to_the_manager_is_the_systems(client_for, routed, manager, network, settings):
    settings.ROUTING_MAX_HOPS = 1
    escalation = routing.escalate_request(routed.pk, now=routed.due_at + timedelta(minutes=1))
    assert escalation.reason == Reason.MAX_HOPS and escalation.chosen_manager == manager

    row = decision_row(audit_page(client_for, manager, network)[0], escalation)

    assert row["by"]["name"] == "Système" and french(Reason.MAX_HOPS.label) in row["by"]["detail"]


def test_an_advisers_decline_is_the_advisers(client_for, routed, advisor, other_advisor, manager, network):
    url = reverse("appointments:decline", kwargs={"uid": routed.uid})
    assert client_for(advisor).post(url, {"reason": "En congé toute la semaine"}).status_code == 302
    decline = routed.decisions.get(hop=2)
    assert decline.reason == Reason.DECLINED and decline.actor == advisor

    rows, html = audit_page(client_for, manager, network)

    row = decision_row(rows, decline)
    assert row["by"] == {"name": full_name(advisor), "detail": french(Role.ADVISOR.label)}
    assert row["what"] == "Demande refusée et transmise"
    assert row["reason"] == "En congé toute la semaine"
    assert row["adviser"] == str(network.advisor_b)  # where it went
    assert f'{full_name(advisor)}<br><span class="small">Conseillère ou conseiller</span>' in html


def test_the_last_decline_sending_the_request_to_the_manager_is_the_advisers(
    client_for, routed, advisor, other_advisor, manager, network
):
    routing.decline_request(routed.pk, by=advisor, reason="Absent")
    to_manager = routing.decline_request(routed.pk, by=other_advisor, reason="Hors mandat")
    assert to_manager.reason == Reason.DECLINED_TO_MANAGER

    row = decision_row(audit_page(client_for, manager, network)[0], to_manager)

    assert row["by"]["name"] == full_name(other_advisor)
    assert row["what"] == "Demande refusée et confiée à la direction régionale"


def test_a_managers_reassignment_is_the_managers(client_for, routed, manager, network):
    colleague = AdvisorFactory(home_service_point=network.point_a, knows=[network.topic])
    open_weekdays(colleague)
    response = client_for(manager).post(
        reverse("appointments:reassign_request", kwargs={"uid": routed.uid}),
        {"reassign-advisor": colleague.pk, "reassign-reason": "Charge de travail"},
    )
    assert response.status_code == 302
    reassignment = routed.decisions.get(hop=2)
    assert reassignment.reason == Reason.REASSIGNED and reassignment.actor == manager

    rows, html = audit_page(client_for, manager, network)

    row = decision_row(rows, reassignment)
    assert row["by"] == {"name": full_name(manager), "detail": "Directrice ou directeur régional"}
    assert row["what"] == "Demande réattribuée" and row["reason"] == "Charge de travail"
    assert "l’acheminement automatique" not in html and "l'acheminement automatique" not in html
    # The request's own page says it too.
    handle = client_for(manager).get(reverse("appointments:handle", kwargs={"uid": routed.uid}))
    assert f"Par\xa0: {full_name(manager)} (Directrice ou directeur régional)" in handle.content.decode()


def test_an_administrators_reassignment_is_the_administrators(
    client_for, routed, administrator, manager, network
):
    colleague = AdvisorFactory(home_service_point=network.point_a, knows=[network.topic])
    reassignment = routing.reassign_request(routed.pk, to_advisor=colleague, by=administrator)

    row = decision_row(audit_page(client_for, manager, network)[0], reassignment)

    assert row["by"] == {"name": full_name(administrator), "detail": french(Role.ADMINISTRATOR.label)}


def test_an_employers_cancellation_is_the_employers(client_for, bookable, employer_a, manager):
    signed_in = book(bookable, employer_a)
    services.cancel_appointment(appointment=signed_in, by=employer_a, reason="Poste comblé")

    rows, _ = audit_page(client_for, manager, bookable)

    (row,) = [row for row in rows if row["kind"] == "appointment" and row["reason"] == "Poste comblé"]
    assert row["what"] == "Annulé"
    assert row["by"] == {"name": full_name(employer_a), "detail": "Employeur"}


def test_a_cancellation_through_the_emailed_link_is_the_employers_without_a_name(
    client_for, bookable, employer_a, manager
):
    appointment = book(bookable, employer_a)
    services.cancel_appointment(appointment=appointment, by=None, reason="Par le lien")

    rows, _ = audit_page(client_for, manager, bookable)

    (row,) = [row for row in rows if row["reason"] == "Par le lien"]
    assert row["by"] == {"name": "L’employeur", "detail": "Par le lien reçu par courriel"}


def test_a_persons_decision_recorded_before_actors_were_kept_reads_not_recorded(
    client_for, routed, manager, network
):
    old = RoutingDecision.objects.create(
        request=routed, hop=2, reason=Reason.REASSIGNED, chosen_advisor=network.advisor_b
    )

    row = decision_row(audit_page(client_for, manager, network)[0], old)

    assert row["by"] == {"name": "Non enregistré", "detail": ""}


def test_naming_the_actors_costs_no_query_per_row(
    routed, advisor, other_advisor, manager, employer_a, network
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.audit_trail(network.directorate_a)
        return len(captured)

    before = queries()
    routing.decline_request(routed.pk, by=advisor, reason="Absent")
    routing.decline_request(routed.pk, by=other_advisor, reason="Hors mandat")
    appointment = book(network, employer_a)
    services.cancel_appointment(appointment=appointment, by=employer_a)

    assert queries() == before
