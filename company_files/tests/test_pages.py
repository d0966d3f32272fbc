"""The file pages: employers (list, open, file page, messages) and staff (list with filters, file
page with moves, document requests and reviews, notes), from the side allowed and the refused."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from company_files import selectors, services
from company_files.models import CompanyFile, DocumentRequest, FileEntry
from company_files.tests.conftest import stage
from tests.clients import signed_in
from tests.factories import EmployerProfileFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def file_a(tfw, employer_a):
    file = services.open_file(company=employer_a.employer_profile.company, program=tfw, by=employer_a)
    file.refresh_from_db()
    return file


def page(user, name, file=None, **params):
    kwargs = {"uid": file.uid} if file else {}
    return signed_in(user).get(reverse(f"company_files:{name}", kwargs=kwargs), params)


def post(user, name, file, data, **kwargs):
    return signed_in(user).post(reverse(f"company_files:{name}", kwargs={"uid": file.uid, **kwargs}), data)


# --- Employers ---------------------------------------------------------------------------------


def test_an_employer_opens_a_file_and_lands_on_its_page(tfw, employer_a):
    response = signed_in(employer_a).post(reverse("company_files:open"), {"program": tfw.code})
    file = CompanyFile.objects.get(company=employer_a.employer_profile.company)
    assert response.status_code == 302
    assert response["Location"] == reverse("company_files:detail", kwargs={"uid": file.uid})
    assert file.stage.code == "ouverture" and file.assigned_advisor is not None


def test_a_program_already_open_is_not_offered_again(file_a, employer_a, tfw):
    response = page(employer_a, "open")
    assert tfw.name_fr not in response.content.decode()
    refused = signed_in(employer_a).post(reverse("company_files:open"), {"program": tfw.code})
    assert refused.status_code == 400
    assert CompanyFile.objects.count() == 1


def test_every_representative_of_the_company_shares_its_files(file_a, employer_a, employer_b):
    colleague = EmployerProfileFactory(company=file_a.company).user
    assert tfw_name(file_a) in page(colleague, "list").content.decode()
    assert page(colleague, "detail", file_a).status_code == 200
    assert tfw_name(file_a) not in page(employer_b, "list").content.decode()
    assert page(employer_b, "detail", file_a).status_code == 404
    assert post(employer_b, "message", file_a, {"body": "Bonjour"}).status_code == 404
    assert not file_a.entries.filter(kind=FileEntry.Kind.MESSAGE).exists()


def tfw_name(file):
    return file.program.name_fr


def test_the_file_page_shows_stage_what_is_missing_deadline_and_timeline(file_a, advisor, employer_a):
    services.request_document(file=file_a, by=advisor, title="Contrat de travail signé", due_on=None)
    services.add_internal_note(file=file_a, by=advisor, body="Secret : dossier sensible.")
    services.post_message(file=file_a, by=advisor, body="Merci d’envoyer le contrat.")
    html = page(employer_a, "detail", file_a).content.decode()
    assert "Ouverture du dossier" in html  # the stage
    assert "Cible de l’étape" in html  # its deadline
    assert "Contrat de travail signé" in html  # requested
    assert "Preuve de paiement des frais d’examen" in html  # mandatory, not requested yet
    assert "Merci d’envoyer le contrat." in html
    assert "Secret" not in html  # internal notes never reach the employer


def test_booking_from_the_file_prefills_the_topic_and_the_adviser(file_a, employer_a, network):
    html = page(employer_a, "detail", file_a).content.decode()
    link = reverse("appointments:book") + "?edit=1"
    start = html.index(link)
    url = html[start : html.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(url).query)
    assert query["topic"] == [network.topic.code]
    assert query["advisor"] == [str(network.advisor_a.pk)]
    booking = signed_in(employer_a).get(url).content.decode()
    assert f'name="advisor" value="{network.advisor_a.pk}"' in booking


def test_an_employer_writes_to_the_adviser(file_a, employer_a, advisor):
    mail.outbox.clear()
    response = post(employer_a, "message", file_a, {"body": "Le contrat est prêt."})
    assert response.status_code == 302
    assert file_a.entries.get(kind=FileEntry.Kind.MESSAGE).body == "Le contrat est prêt."
    assert [m.to for m in mail.outbox] == [[advisor.email]]
    empty = post(employer_a, "message", file_a, {"body": "  "})
    assert empty.status_code == 400


# --- Staff -------------------------------------------------------------------------------------


def test_the_move_form_offers_only_the_allowed_transitions(file_a, advisor, tfw):
    html = page(advisor, "handle", file_a).content.decode()
    for allowed in ("Documents demandés", "En analyse", "Dossier fermé"):
        assert f">{allowed}</option>" in html
    assert ">Décision rendue</option>" not in html


def test_an_adviser_moves_the_file_and_the_employer_is_emailed(file_a, advisor, employer_a, tfw):
    mail.outbox.clear()
    target = stage(tfw, "documents-demandes")
    response = post(
        advisor, "move", file_a, {"move-to_stage": target.pk, "move-expected_stage": file_a.stage_id}
    )
    assert response.status_code == 302
    file_a.refresh_from_db()
    assert file_a.stage == target
    assert [m.to for m in mail.outbox] == [[employer_a.email]]


def test_a_move_from_a_stale_page_answers_409_with_the_file_as_it_is(file_a, advisor, manager, tfw):
    seen = file_a.stage_id
    post(manager, "move", file_a, {"move-to_stage": stage(tfw, "en-analyse").pk, "move-expected_stage": seen})
    response = post(
        advisor, "move", file_a, {"move-to_stage": stage(tfw, "ferme").pk, "move-expected_stage": seen}
    )
    # The stale choice is not even allowed from the new stage: the form refuses it (400); an
    # allowed one from the stale page is the 409.
    assert response.status_code == 400
    response = post(
        advisor,
        "move",
        file_a,
        {
            "move-to_stage": stage(tfw, "documents-demandes").pk,
            "move-expected_stage": seen,
            "move-reason": "x",
        },
    )
    assert response.status_code == 409
    assert "Une autre personne a déplacé ce dossier" in response.content.decode()
    file_a.refresh_from_db()
    assert file_a.stage.code == "en-analyse"


def test_leaving_a_stage_that_asks_for_a_reason_without_one_is_a_400(file_a, advisor, tfw):
    services.move_to_stage(
        file=file_a, to_stage=stage(tfw, "en-analyse"), by=advisor, expected_stage_id=file_a.stage_id
    )
    file_a.refresh_from_db()
    response = post(
        advisor,
        "move",
        file_a,
        {"move-to_stage": stage(tfw, "decision").pk, "move-expected_stage": file_a.stage_id},
    )
    assert response.status_code == 400
    assert "Indiquez pourquoi le dossier quitte cette étape." in response.content.decode()


def test_an_adviser_requests_reviews_and_notes(file_a, advisor, employer_a, tfw):
    doc = tfw.required_documents.first()
    response = post(
        advisor,
        "request_document",
        file_a,
        {
            "document-required_document": doc.pk,
            "document-due_on": "2026-12-04",
            "document-is_mandatory": "on",
        },
    )
    assert response.status_code == 302
    requested = DocumentRequest.objects.get(file=file_a)
    assert requested.due_on.isoformat() == "2026-12-04"
    url = {"pk": requested.pk}
    assert post(advisor, "review_document", file_a, {"review-action": "received"}, **url).status_code == 302
    rejected = post(advisor, "review_document", file_a, {"review-action": "reject"}, **url)
    assert rejected.status_code == 400
    post(advisor, "review_document", file_a, {"review-action": "reject", "review-reason": "Illisible"}, **url)
    requested.refresh_from_db()
    assert requested.status == DocumentRequest.Status.REJECTED
    assert post(advisor, "note", file_a, {"note-body": "Rappeler lundi."}).status_code == 302
    assert "Rappeler lundi." in page(advisor, "handle", file_a).content.decode()
    employer_page = page(employer_a, "detail", file_a).content.decode()
    assert "Illisible" in employer_page and "Rappeler lundi." not in employer_page


def test_a_document_request_needs_a_document(file_a, advisor):
    response = post(advisor, "request_document", file_a, {"document-title": " "})
    assert response.status_code == 400
    assert not DocumentRequest.objects.exists()


def test_an_adviser_outside_the_directorate_sees_the_file_only_once_assigned(file_a, other_advisor):
    assert page(other_advisor, "handle", file_a).status_code == 404
    assert post(other_advisor, "note", file_a, {"note-body": "x"}).status_code == 404
    CompanyFile.objects.filter(pk=file_a.pk).update(assigned_advisor=other_advisor.advisor)
    assert page(other_advisor, "handle", file_a).status_code == 200


def test_the_adviser_list_filters_by_program_stage_overdue_and_whose_turn(
    file_a, advisor, tfw, programs, employer_a, frozen_now
):
    other = EmployerProfileFactory(company__municipality=file_a.company.municipality).user
    aid = services.open_file(
        company=other.employer_profile.company, program=programs["aide-financiere-integration"], by=advisor
    )
    services.move_to_stage(
        file=aid,
        to_stage=stage(aid.program, "documents-demandes"),
        by=advisor,
        expected_stage_id=aid.stage_id,
    )

    def companies(**params):
        html = page(advisor, "caseload", **params).content.decode()
        return {c for c in (file_a.company.legal_name, aid.company.legal_name) if c in html}

    assert companies() == {file_a.company.legal_name, aid.company.legal_name}
    assert companies(program=tfw.pk) == {file_a.company.legal_name}
    assert companies(stage=stage(aid.program, "documents-demandes").pk) == {aid.company.legal_name}
    assert companies(waiting="employer") == {aid.company.legal_name}
    assert companies(waiting="me") == {file_a.company.legal_name}
    assert companies(overdue="on") == set()
    frozen_now.shift(60 * 60 * 24 * 5)  # a week of business days: the opening's 2 days are past
    assert companies(overdue="on") == {file_a.company.legal_name}
    assert page(advisor, "caseload", stage="nope").status_code == 400


def test_the_adviser_list_costs_the_same_queries_for_one_file_or_ten(file_a, advisor, tfw):
    client = signed_in(advisor)
    url = reverse("company_files:caseload")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(9):
        company = EmployerProfileFactory(company__municipality=file_a.company.municipality).company
        services.open_file(company=company, program=tfw, by=advisor)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).content.decode().count("/conseiller/") >= 10
    assert len(ten) == len(one)


def test_an_adviser_opens_a_file_for_a_company_by_its_neq(advisor, employer_b, tfw):
    company = employer_b.employer_profile.company
    response = signed_in(advisor).post(
        reverse("company_files:staff_open"), {"neq": company.neq, "program": tfw.code}
    )
    file = CompanyFile.objects.get(company=company)
    assert response.status_code == 302 and file.assigned_advisor == advisor.advisor
    unknown = signed_in(advisor).post(
        reverse("company_files:staff_open"), {"neq": "1111111111", "program": tfw.code}
    )
    assert unknown.status_code == 400


def test_the_manager_sees_open_files_by_program_and_stage_of_the_directorate_only(
    file_a, manager, other_manager, advisor, tfw, frozen_now
):
    services.move_to_stage(
        file=file_a, to_stage=stage(tfw, "documents-demandes"), by=advisor, expected_stage_id=file_a.stage_id
    )
    frozen_now.shift(60 * 60 * 24 * 21)  # three weeks: past the 10 business days of the stage
    ours = {p.program.code: p for p in selectors.files_by_program_and_stage(manager)}
    counts = {s.stage.code: (s.open, s.overdue) for s in ours[tfw.code].stages}
    assert counts["documents-demandes"] == (1, 1)
    assert counts["ouverture"] == (0, 0) and "ferme" not in counts
    theirs = {p.program.code: p for p in selectors.files_by_program_and_stage(other_manager)}
    assert theirs[tfw.code].open == 0
    html = signed_in(manager).get(reverse("company_files:overview")).content.decode()
    assert f"?stage={stage(tfw, 'documents-demandes').pk}&amp;overdue=on" in html
