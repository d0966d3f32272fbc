"""The files API: the same services and access rules as the pages."""

import pytest
from django.urls import reverse

from company_files import services
from company_files.models import FileEntry
from tests.clients import post, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.fixture
def file_a(tfw, employer_a):
    return services.open_file(company=employer_a.employer_profile.company, program=tfw, by=employer_a)


def url(name, file=None):
    return reverse(f"api:file-{name}", kwargs={"uid": file.uid} if file else {})


def test_programs_are_public_with_their_stages_and_allowed_moves(tfw):
    response = signed_in(None).get(reverse("api:program-detail", kwargs={"code": tfw.code}))
    assert response.status_code == 200
    stages = {s["code"]: s for s in response.json()["stages"]}
    assert stages["ouverture"]["next_stages"] == ["documents-demandes", "en-analyse", "ferme"]
    assert stages["en-analyse"]["reason_required_to_leave"] is True


def test_an_employer_opens_a_file_and_reads_it_another_company_gets_404(tfw, employer_a, employer_b, network):
    response = post(signed_in(employer_a), url("list"), {"program": tfw.code})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "ouverture" and body["assigned_advisor"]["id"] == network.advisor_a.pk
    detail = reverse("api:file-detail", kwargs={"uid": body["uid"]})
    assert signed_in(employer_a).get(detail).status_code == 200
    assert signed_in(employer_b).get(detail).status_code == 404
    again = post(signed_in(employer_a), url("list"), {"program": tfw.code})
    assert again.status_code == 409 and again.json()["code"] == services.ALREADY_OPEN


def test_an_adviser_moves_a_file_and_a_stale_move_is_a_409(file_a, advisor, manager):
    moved = post(
        signed_in(advisor),
        url("move", file_a),
        {"stage": "documents-demandes", "expected_stage": "ouverture"},
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "documents-demandes"
    stale = post(
        signed_in(manager), url("move", file_a), {"stage": "en-analyse", "expected_stage": "ouverture"}
    )
    assert stale.status_code == 409 and stale.json()["code"] == services.STAGE_CHANGED
    skipped = post(
        signed_in(advisor), url("move", file_a), {"stage": "decision", "expected_stage": "documents-demandes"}
    )
    assert skipped.status_code == 409 and skipped.json()["code"] == services.NOT_ALLOWED
    unknown = post(
        signed_in(advisor), url("move", file_a), {"stage": "nope", "expected_stage": "documents-demandes"}
    )
    assert unknown.status_code == 400


def test_employers_cannot_move_or_note_and_never_read_notes(file_a, employer_a, advisor):
    move = post(
        signed_in(employer_a),
        url("move", file_a),
        {"stage": "documents-demandes", "expected_stage": "ouverture"},
    )
    assert move.status_code == 403
    assert post(signed_in(employer_a), url("notes", file_a), {"body": "x"}).status_code == 403
    assert post(signed_in(advisor), url("notes", file_a), {"body": "Note interne"}).status_code == 201
    assert post(signed_in(employer_a), url("messages", file_a), {"body": "Bonjour"}).status_code == 201
    employer_kinds = [e["kind"] for e in signed_in(employer_a).get(url("timeline", file_a)).json()]
    staff_kinds = [e["kind"] for e in signed_in(advisor).get(url("timeline", file_a)).json()]
    assert FileEntry.Kind.NOTE not in employer_kinds and FileEntry.Kind.MESSAGE in employer_kinds
    assert FileEntry.Kind.NOTE in staff_kinds


def test_staff_request_documents_and_employers_see_them(file_a, employer_a, advisor, tfw, other_advisor):
    doc = tfw.required_documents.first()
    created = post(
        signed_in(advisor), url("documents", file_a), {"required_document": doc.pk, "due_on": "2026-12-04"}
    )
    assert created.status_code == 201, created.content
    listed = signed_in(employer_a).get(url("documents", file_a)).json()
    assert [d["name"] for d in listed] == [doc.name_fr]
    assert post(signed_in(employer_a), url("documents", file_a), {"title": "x"}).status_code == 403
    assert post(signed_in(other_advisor), url("documents", file_a), {"title": "x"}).status_code == 404
    far = post(signed_in(advisor), url("documents", file_a), {"title": "x", "due_on": "9999-12-31"})
    assert far.status_code == 400
