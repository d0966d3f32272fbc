"""Opening, routing and moving company files; documents, messages and notes (services)."""

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from company_files import selectors, services
from company_files.models import CompanyFile, DocumentRequest, FileEntry, Transition
from company_files.tests.conftest import stage
from consultations import routing
from consultations.models import RoutingDecision
from tests.factories import AdvisorFactory, EmployerProfileFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def opened(tfw, employer_a):
    """Company A's file, opened by its representative and routed."""
    file = services.open_file(company=employer_a.employer_profile.company, program=tfw, by=employer_a)
    file.refresh_from_db()
    return file


def move(file, code, by, reason=""):
    file.refresh_from_db()
    return services.move_to_stage(
        file=file,
        to_stage=stage(file.program, code),
        by=by,
        expected_stage_id=file.stage_id,
        reason=reason,
    )


def test_employer_opens_a_file_at_the_first_stage_routed_to_the_nearest_adviser(opened, network):
    assert opened.stage.code == "ouverture"
    assert opened.assigned_advisor == network.advisor_a  # Trois-Rivières, like the company
    assert opened.routing_reason == RoutingDecision.Reason.NEAREST
    assert opened.stage_due_at is not None and opened.stage_due_at > opened.stage_entered_at
    kinds = list(opened.entries.values_list("kind", flat=True))
    assert kinds == [FileEntry.Kind.OPENED, FileEntry.Kind.ASSIGNED]


def test_routing_twice_assigns_once(opened, network):
    again = services.route_file(opened.pk)
    assert again.assigned_advisor == network.advisor_a
    assert opened.entries.filter(kind=FileEntry.Kind.ASSIGNED).count() == 1


def test_adviser_opens_a_file_for_a_company_and_holds_it(tfw, employer_b, other_advisor):
    company = employer_b.employer_profile.company
    file = services.open_file(company=company, program=tfw, by=other_advisor)
    assert file.assigned_advisor == other_advisor.advisor
    assert file.routing_reason == "opened_by_adviser"


def test_a_second_open_file_in_the_same_program_is_refused(opened, employer_a, tfw):
    with pytest.raises(services.FileError) as refused:
        services.open_file(company=opened.company, program=tfw, by=employer_a)
    assert refused.value.code == services.ALREADY_OPEN


def test_a_closed_file_leaves_room_for_a_new_one(opened, advisor, employer_a, tfw):
    move(opened, "ferme", advisor)
    assert services.open_file(company=opened.company, program=tfw, by=employer_a).is_open


def test_open_files_count_in_routing_caseload(opened, network):
    load = routing.open_caseload([network.advisor_a.pk, network.advisor_b.pk])
    assert load == {network.advisor_a.pk: 1, network.advisor_b.pk: 0}
    move(opened, "ferme", network.advisor_a.user)
    assert routing.open_caseload([network.advisor_a.pk])[network.advisor_a.pk] == 0


def test_a_tie_on_distance_goes_to_the_adviser_with_fewer_open_files(opened, network, tfw):
    colleague = AdvisorFactory(home_service_point=network.point_a, knows=[network.topic])
    other = EmployerProfileFactory(company__municipality=network.municipality_a).user
    file = services.open_file(company=other.employer_profile.company, program=tfw, by=other)
    file.refresh_from_db()
    assert file.assigned_advisor == colleague  # adviser A holds company A's file
    assert file.routing_reason == RoutingDecision.Reason.TIE_BY_LOAD


def test_no_qualified_adviser_leaves_the_file_for_the_manager(tfw, employer_a, network):
    network.advisor_a.topics.clear()
    network.advisor_b.topics.clear()
    file = services.open_file(company=employer_a.employer_profile.company, program=tfw, by=employer_a)
    file.refresh_from_db()
    assert file.assigned_advisor is None
    assert file.routing_reason == RoutingDecision.Reason.NO_CANDIDATE


def test_only_allowed_transitions_move_a_file(opened, advisor):
    with pytest.raises(services.FileError) as refused:
        move(opened, "decision", advisor)  # opened → decision skips the analysis
    assert refused.value.code == services.NOT_ALLOWED
    assert move(opened, "documents-demandes", advisor).stage.code == "documents-demandes"


def test_leaving_a_stage_that_asks_for_a_reason_needs_one(opened, advisor):
    move(opened, "en-analyse", advisor)
    with pytest.raises(services.FileError) as refused:
        move(opened, "decision", advisor, reason="   ")
    assert refused.value.code == services.REASON_REQUIRED
    assert refused.value.status == 400
    moved = move(opened, "decision", advisor, reason="Dossier complet, avis favorable.")
    entry = moved.entries.get(kind=FileEntry.Kind.STAGE_CHANGED, to_stage__code="decision")
    assert entry.body == "Dossier complet, avis favorable."
    assert entry.actor == advisor


def test_a_move_from_a_stage_the_person_no_longer_sees_is_refused(opened, advisor, manager):
    seen = opened.stage_id
    move(opened, "documents-demandes", manager)
    with pytest.raises(services.FileError) as refused:
        services.move_to_stage(
            file=opened,
            to_stage=stage(opened.program, "en-analyse"),
            by=advisor,
            expected_stage_id=seen,
        )
    assert refused.value.code == services.STAGE_CHANGED
    assert refused.value.status == 409


def test_the_stage_change_and_its_timeline_entry_commit_together(opened, advisor, monkeypatch):
    def broken_entry(*args, **kwargs):
        raise RuntimeError("the timeline is down")

    monkeypatch.setattr(services, "_entry", broken_entry)
    with pytest.raises(RuntimeError), transaction.atomic():
        move(opened, "documents-demandes", advisor)
    opened.refresh_from_db()
    assert opened.stage.code == "ouverture"  # no move without its entry


def test_reaching_the_closing_stage_closes_the_file(opened, advisor):
    closed = move(opened, "ferme", advisor)
    assert closed.closed_at is not None and closed.stage_due_at is None
    with pytest.raises(services.FileError) as refused:
        services.post_message(file=closed, by=advisor, body="Encore là ?")
    assert refused.value.code == services.CLOSED


def test_every_representative_is_told_of_a_stage_change_in_their_language(opened, advisor, employer_a):
    colleague = EmployerProfileFactory(company=opened.company).user
    colleague.language = "en"
    colleague.save()
    mail.outbox.clear()
    move(opened, "documents-demandes", advisor, reason="Il manque le contrat signé.")
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {employer_a.email, colleague.email}
    assert "nouvelle étape" in by_address[employer_a.email].subject
    assert "Documents demandés" in by_address[employer_a.email].body
    assert "new stage" in by_address[colleague.email].subject
    assert "Documents requested" in by_address[colleague.email].body
    assert "Il manque le contrat signé." in by_address[colleague.email].body


def test_employers_may_not_move_a_file_nor_request_documents(opened, employer_a):
    with pytest.raises(services.FileError) as refused:
        move(opened, "documents-demandes", employer_a)
    assert refused.value.code == services.NOT_STAFF
    with pytest.raises(services.FileError):
        services.request_document(file=opened, by=employer_a, title="Rien")


def test_staff_outside_the_directorate_cannot_act_on_the_file(opened, other_advisor):
    with pytest.raises(CompanyFile.DoesNotExist):
        move(opened, "documents-demandes", other_advisor)


def test_an_internal_note_is_never_shown_to_the_employer(opened, advisor):
    services.add_internal_note(file=opened, by=advisor, body="Employeur déjà accompagné en 2025.")
    services.post_message(file=opened, by=advisor, body="Bonjour, pouvez-vous m’envoyer le contrat ?")
    employer_view = [e.kind for e in selectors.timeline(opened, internal=False)]
    staff_view = [e.kind for e in selectors.timeline(opened, internal=True)]
    assert FileEntry.Kind.NOTE not in employer_view
    assert FileEntry.Kind.NOTE in staff_view and FileEntry.Kind.MESSAGE in employer_view


def test_a_message_from_the_employer_emails_the_adviser_and_from_the_adviser_the_employer(
    opened, advisor, employer_a
):
    mail.outbox.clear()
    services.post_message(file=opened, by=employer_a, body="Le contrat suit demain.")
    assert [m.to for m in mail.outbox] == [[advisor.email]]
    mail.outbox.clear()
    services.post_message(file=opened, by=advisor, body="Merci, bien reçu.")
    assert [m.to for m in mail.outbox] == [[employer_a.email]]


def test_a_requested_document_is_received_then_accepted_or_rejected_with_a_reason(opened, advisor, tfw):
    contract = tfw.required_documents.first()
    document = services.request_document(file=opened, by=advisor, required_document=contract)
    assert document.is_outstanding and document.name == contract.name_fr
    assert contract not in selectors.missing_documents(opened)
    with pytest.raises(services.FileError) as refused:
        services.review_document(document=document, by=advisor, accept=True)
    assert refused.value.code == services.NOT_REVIEWABLE
    services.record_document_received(document=document, by=advisor)
    with pytest.raises(services.FileError) as refused:
        services.review_document(document=document, by=advisor, accept=False)
    assert refused.value.code == services.REASON_REQUIRED
    rejected = services.review_document(document=document, by=advisor, accept=False, reason="Non signé.")
    assert rejected.status == DocumentRequest.Status.REJECTED and rejected.is_outstanding
    services.record_document_received(document=document, by=advisor)
    assert services.review_document(document=document, by=advisor, accept=True).status == "accepted"


def test_a_document_of_another_program_cannot_be_requested(opened, advisor, programs):
    other = programs["aide-financiere-integration"].required_documents.first()
    with pytest.raises(services.FileError) as refused:
        services.request_document(file=opened, by=advisor, required_document=other)
    assert refused.value.code == services.NOT_ALLOWED


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_moves_succeed_exactly_when_the_program_allows_them(data, programs, employer_a, advisor):
    """Any sequence of requested moves: each succeeds iff a transition leads there from the current
    stage (and a reason is given where asked); each success is one timeline entry."""
    CompanyFile.objects.filter(company=employer_a.employer_profile.company).delete()
    program = data.draw(st.sampled_from(sorted(programs.values(), key=lambda p: p.code)))
    stages = list(program.stages.all())
    allowed = set(
        Transition.objects.filter(from_stage__program=program).values_list("from_stage", "to_stage")
    )
    file = services.open_file(company=employer_a.employer_profile.company, program=program, by=advisor)
    moves = data.draw(st.lists(st.tuples(st.sampled_from(stages), st.booleans()), max_size=12))
    successes = 0
    for target, with_reason in moves:
        file.refresh_from_db()
        before = file.stage
        expected_ok = (
            file.is_open
            and (before.pk, target.pk) in allowed
            and (with_reason or not before.reason_required_to_leave)
        )
        try:
            services.move_to_stage(
                file=file,
                to_stage=target,
                by=advisor,
                expected_stage_id=before.pk,
                reason="Motif." if with_reason else "",
            )
        except services.FileError:
            ok = False
        else:
            ok = True
        assert ok == expected_ok, (before.code, target.code, with_reason)
        file.refresh_from_db()
        assert file.stage == (target if ok else before)
        successes += ok
    assert file.entries.filter(kind=FileEntry.Kind.STAGE_CHANGED).count() == successes
