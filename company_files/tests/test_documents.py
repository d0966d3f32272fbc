"""Documents sent on a file: upload from the page and the API, the real clamd's verdict, who may
download what, review, bad input, the same document twice."""

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from company_files import documents, services, tasks
from company_files.models import Document, DocumentRequest, FileEntry
from core.antivirus import ScannerUnavailable, ScanStatus
from tests import sample_files
from tests.clamd import EICAR_SIGNATURE
from tests.clients import signed_in
from tests.processes import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

INFECTED_PDF = sample_files.PDF_BODY + sample_files.eicar() + b"\n"


@pytest.fixture
def opened(tfw, employer_a):
    file = services.open_file(company=employer_a.employer_profile.company, program=tfw, by=employer_a)
    file.refresh_from_db()
    return file


@pytest.fixture
def requested(opened, advisor):
    return services.request_document(file=opened, by=advisor, title="Contrat de travail signé")


def stored_files(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def send(client, file, content, name="document.pdf", request=None):
    data = {"upload-document": SimpleUploadedFile(name, content)}
    if request is not None:
        data["upload-request"] = request.pk
    return client.post(reverse("company_files:upload", kwargs={"uid": file.uid}), data)


def download_url(document):
    return reverse("company_files:download", kwargs={"uid": document.file.uid, "document_uid": document.uid})


# --- The real clamd ------------------------------------------------------------------------------


def test_a_clean_pdf_sent_for_a_request_becomes_downloadable_to_those_who_see_the_file(
    opened, requested, employer_a, employer_b, advisor, other_advisor, scanner, private_storage
):
    content = sample_files.pdf(padding=50_000)
    response = send(signed_in(employer_a), opened, content, "Contrat signé.pdf", request=requested)
    assert response.status_code == 302, response.content
    document = Document.objects.get()
    assert (document.scan_status, document.request, document.name) == (
        ScanStatus.CLEAN,
        requested,
        "Contrat signé.pdf",
    )
    assert document.scanned_at is not None and document.size == len(content)
    requested.refresh_from_db()
    assert requested.status == DocumentRequest.Status.RECEIVED
    assert opened.entries.filter(kind=FileEntry.Kind.DOCUMENT_UPLOADED, upload=document).exists()
    for person in (employer_a, advisor):
        answer = signed_in(person).get(download_url(document))
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == content
        assert answer["Content-Disposition"].startswith("attachment;")
        assert answer["X-Content-Type-Options"] == "nosniff"
    # Another company, an adviser of another directorate: the document does not exist for them.
    assert signed_in(employer_b).get(download_url(document)).status_code == 404
    assert signed_in(other_advisor).get(download_url(document)).status_code == 404
    # The employer's page links it; the adviser's page offers the review.
    page = signed_in(employer_a).get(reverse("company_files:detail", kwargs={"uid": opened.uid}))
    assert download_url(document) in page.content.decode()
    handle = signed_in(advisor).get(reverse("company_files:handle", kwargs={"uid": opened.uid}))
    assert reverse(
        "company_files:review_upload", kwargs={"uid": opened.uid, "document_uid": document.uid}
    ) in (handle.content.decode())


def test_the_eicar_file_is_quarantined_never_served_and_both_sides_are_told(
    opened, requested, employer_a, advisor, administrator, scanner, private_storage
):
    response = send(signed_in(employer_a), opened, INFECTED_PDF, "lettre.pdf", request=requested)
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.scan_status == ScanStatus.INFECTED
    assert document.scan_signature.startswith(EICAR_SIGNATURE)
    requested.refresh_from_db()
    assert requested.status == DocumentRequest.Status.REQUESTED  # still owed
    assert opened.entries.filter(kind=FileEntry.Kind.DOCUMENT_INFECTED).count() == 1
    for person in (employer_a, advisor, administrator):
        answer = signed_in(person).get(download_url(document))
        assert answer.status_code == 409
        assert "virus" in answer.content.decode()
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([employer_a.email, advisor.email])
    assert all("virus" in message.body for message in mail.outbox)
    # Nobody can accept it either.
    with pytest.raises(services.FileError):
        documents.review_upload(document=document, by=advisor, accept=True)


def test_clamd_down_the_scan_is_retried_and_nothing_is_served_meanwhile(
    opened, employer_a, advisor, settings, clamd_url, private_storage
):
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    settings.CLAMD_TIMEOUT_SECONDS = 2
    assert send(signed_in(employer_a), opened, sample_files.pdf()).status_code == 302
    document = Document.objects.get()
    assert document.scan_status == ScanStatus.FAILED  # the in-process run left it to the retries
    assert signed_in(employer_a).get(download_url(document)).status_code == 409
    assert signed_in(advisor).get(download_url(document)).status_code == 409

    # On a worker, the task asks Celery to retry it later, with backoff.
    tasks.scan_document.push_request(id="on-a-worker", is_eager=False, retries=2)
    try:
        with (
            mock.patch.object(tasks.scan_document, "retry", side_effect=Retry()) as retry,
            pytest.raises(Retry),
        ):
            tasks.scan_document.run(document.pk)
    finally:
        tasks.scan_document.pop_request()
    assert retry.call_args.kwargs["countdown"] == 120  # 30 s, 1 min, 2 min… capped at 30 min
    assert isinstance(retry.call_args.kwargs["exc"], ScannerUnavailable)
    document.refresh_from_db()
    assert (document.scan_status, document.scan_attempts) == (ScanStatus.FAILED, 2)
    assert signed_in(employer_a).get(download_url(document)).status_code == 409

    # clamd is back: the beat's sweep queues the scan again, and the document is served.
    settings.CLAMD_URL = clamd_url
    Document.objects.filter(pk=document.pk).update(uploaded_at=document.uploaded_at - timedelta(minutes=10))
    assert tasks.sweep_unscanned() == 1
    document.refresh_from_db()
    assert document.scan_status == ScanStatus.CLEAN
    assert signed_in(employer_a).get(download_url(document)).status_code == 200


def test_without_a_scanner_the_document_waits_and_the_page_says_so(
    opened, employer_a, settings, private_storage
):
    settings.CLAMD_URL = ""
    assert send(signed_in(employer_a), opened, sample_files.png(), "photo.png").status_code == 302
    document = Document.objects.get()
    assert document.scan_status == ScanStatus.PENDING
    assert signed_in(employer_a).get(download_url(document)).status_code == 409
    page = signed_in(employer_a).get(reverse("company_files:detail", kwargs={"uid": opened.uid}))
    assert "wait for their virus scan" in page.content.decode() or "attendent" in page.content.decode()
    assert tasks.sweep_unscanned() == 0  # nothing to ask


def test_a_developer_may_download_unscanned_documents_never_infected_ones(
    opened, employer_a, settings, private_storage
):
    settings.CLAMD_URL = ""
    settings.DOCUMENT_ALLOW_UNSCANNED = True
    send(signed_in(employer_a), opened, sample_files.pdf())
    document = Document.objects.get()
    assert signed_in(employer_a).get(download_url(document)).status_code == 200
    Document.objects.filter(pk=document.pk).update(scan_status=ScanStatus.INFECTED)
    assert signed_in(employer_a).get(download_url(document)).status_code == 409


# --- Review ------------------------------------------------------------------------------------------


def test_the_adviser_rejects_a_document_with_a_reason_and_the_employer_is_told_in_their_language(
    opened, requested, employer_a, advisor, scanner, private_storage
):
    employer_a.language = "en"
    employer_a.save()
    send(signed_in(employer_a), opened, sample_files.pdf(), request=requested)
    document = Document.objects.get()
    mail.outbox.clear()
    url = reverse("company_files:review_upload", kwargs={"uid": opened.uid, "document_uid": document.uid})
    refused = signed_in(advisor).post(url, {"doc-action": "reject"})
    assert refused.status_code == 400  # a rejection needs its reason
    answer = signed_in(advisor).post(url, {"doc-action": "reject", "doc-reason": "Il manque la signature."})
    assert answer.status_code == 302
    document.refresh_from_db()
    requested.refresh_from_db()
    assert (document.review, document.rejection_reason) == (
        Document.Review.REJECTED,
        "Il manque la signature.",
    )
    assert requested.status == DocumentRequest.Status.REJECTED  # owed again
    (message,) = mail.outbox
    assert message.to == [employer_a.email]
    assert "could not accept" in message.body and "Il manque la signature." in message.body
    # Sent again, corrected, and accepted.
    send(signed_in(employer_a), opened, sample_files.pdf(padding=10), request=requested)
    second = Document.objects.exclude(pk=document.pk).get()
    url = reverse("company_files:review_upload", kwargs={"uid": opened.uid, "document_uid": second.uid})
    assert signed_in(advisor).post(url, {"doc-action": "accept"}).status_code == 302
    requested.refresh_from_db()
    assert requested.status == DocumentRequest.Status.ACCEPTED
    assert signed_in(employer_a).post(url, {"doc-action": "accept"}).status_code == 403  # staff only


def test_a_french_speaking_employer_reads_the_review_in_french(
    opened, employer_a, advisor, scanner, private_storage
):
    send(signed_in(employer_a), opened, sample_files.pdf())
    document = Document.objects.get()
    mail.outbox.clear()
    documents.review_upload(document=document, by=advisor, accept=True)
    (message,) = mail.outbox
    assert "accepté" in message.body


# --- Bad input -----------------------------------------------------------------------------------


def test_an_oversized_file_is_413_with_a_clear_message_and_nothing_is_stored(
    opened, employer_a, settings, private_storage
):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    response = send(signed_in(employer_a), opened, sample_files.pdf(padding=100_000))
    assert response.status_code == 413
    assert "64,0\xa0Kio" in response.content.decode()
    assert Document.objects.count() == 0 and stored_files(private_storage) == []


@pytest.mark.parametrize(
    ("content", "name", "status"),
    [
        (sample_files.executable(), "facture.pdf", 415),
        (sample_files.plain_zip(), "documents.zip", 415),
        (sample_files.plain_zip(), "documents.docx", 415),
        (b"", "vide.pdf", 400),
    ],
    ids=["executable-renamed-pdf", "zip", "zip-renamed-docx", "empty"],
)
def test_refused_content_gets_a_clear_answer_and_nothing_is_stored(
    opened, employer_a, private_storage, content, name, status
):
    response = send(signed_in(employer_a), opened, content, name)
    assert response.status_code == status
    assert 'role="alert"' in response.content.decode()
    assert Document.objects.count() == 0 and stored_files(private_storage) == []


def test_a_path_in_the_name_and_a_200_character_unicode_name_are_sanitised(
    opened, employer_a, settings, private_storage
):
    settings.CLAMD_URL = ""
    send(signed_in(employer_a), opened, sample_files.pdf(), "../../etc/passwd/..\\rapport.pdf")
    long_name = "Évaluation d’impact sur le marché du travail – " + "é" * 200 + ".pdf"
    send(signed_in(employer_a), opened, sample_files.pdf(padding=5), long_name)
    names = set(Document.objects.values_list("name", flat=True))
    assert "rapport.pdf" in names
    (long,) = names - {"rapport.pdf"}
    assert len(long) <= 120 and long.endswith(".pdf") and long.startswith("Évaluation d’impact")
    keys = Document.objects.values_list("storage_key", flat=True)
    assert all("/" in key and "." not in key and "rapport" not in key for key in keys)


def test_the_same_document_sent_twice_is_one_document(opened, employer_a, settings, private_storage):
    settings.CLAMD_URL = ""
    client = signed_in(employer_a)
    assert send(client, opened, sample_files.pdf(), "a.pdf").status_code == 302
    assert send(client, opened, sample_files.pdf(), "b.pdf").status_code == 302
    assert Document.objects.count() == 1 and len(stored_files(private_storage)) == 1


def test_two_uploads_racing_keep_one_and_delete_the_loser_s_copy(
    opened, employer_a, settings, private_storage
):
    """The loser passed the first check before the winner committed: the constraint decides."""
    settings.CLAMD_URL = ""
    content = sample_files.pdf()
    winner, created = documents.upload_document(
        file=opened, by=employer_a, upload=SimpleUploadedFile("a.pdf", content)
    )
    real_filter = Document.objects.filter
    calls = []

    def blind_first_check(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:  # the check before storing sees nothing yet
            return Document.objects.none()
        return real_filter(*args, **kwargs)

    with mock.patch.object(Document.objects, "filter", side_effect=blind_first_check):
        again, created_again = documents.upload_document(
            file=opened, by=employer_a, upload=SimpleUploadedFile("b.pdf", content)
        )
    assert created and not created_again and again.pk == winner.pk
    assert Document.objects.count() == 1 and len(stored_files(private_storage)) == 1


def test_a_request_of_another_file_is_refused(
    opened, employer_a, employer_b, tfw, other_advisor, private_storage
):
    other = services.open_file(company=employer_b.employer_profile.company, program=tfw, by=employer_b)
    foreign = services.request_document(file=other, by=other_advisor, title="Bilan")
    with pytest.raises(services.FileError):
        documents.upload_document(
            file=opened,
            by=employer_a,
            upload=SimpleUploadedFile("a.pdf", sample_files.pdf()),
            request=foreign,
        )
    assert stored_files(private_storage) == []


def test_a_closed_file_takes_no_document(opened, employer_a, advisor, private_storage):
    services.close_company_files(company=opened.company, by=advisor, reason="Fermé")
    opened.refresh_from_db()
    with pytest.raises(services.FileError):
        documents.upload_document(
            file=opened, by=employer_a, upload=SimpleUploadedFile("a.pdf", sample_files.pdf())
        )
    assert stored_files(private_storage) == []


# --- Retention ---------------------------------------------------------------------------------------


def test_documents_are_deleted_the_set_number_of_days_after_the_file_closed(
    opened, employer_a, advisor, settings, private_storage
):
    settings.CLAMD_URL = ""
    settings.DOCUMENT_RETENTION_DAYS = 30
    send(signed_in(employer_a), opened, sample_files.pdf())
    services.close_company_files(company=opened.company, by=advisor, reason="Décision rendue")
    opened.refresh_from_db()
    assert opened.closed_at is not None and opened.stage.closes_file
    assert documents.purge_documents_of_closed_files(now=opened.closed_at + timedelta(days=29)) == 0
    assert Document.objects.count() == 1
    assert documents.purge_documents_of_closed_files(now=opened.closed_at + timedelta(days=31)) == 1
    assert Document.objects.count() == 0 and stored_files(private_storage) == []


# --- The API -------------------------------------------------------------------------------------


def api_uploads(file):
    return reverse("api:file-uploads", kwargs={"uid": file.uid})


def test_the_api_sends_lists_and_downloads_documents_with_the_same_rules(
    opened, requested, employer_a, employer_b, advisor, scanner, private_storage
):
    client = signed_in(employer_a)
    content = sample_files.xlsx()
    response = client.post(
        api_uploads(opened),
        {"document": SimpleUploadedFile("Liste des postes.xlsx", content), "request": requested.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Liste des postes.xlsx" and body["request"] == requested.pk
    assert body["content_type"].endswith("spreadsheetml.sheet") and body["size"] == len(content)
    # The scan ran after the commit: the list shows it clean, with its download link.
    (listed,) = signed_in(advisor).get(api_uploads(opened)).json()
    assert listed["scan_status"] == "clean" and listed["download"].endswith(
        f"/uploads/{body['uid']}/download/"
    )
    download = signed_in(advisor).get(listed["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    # Sent again: the same document, 200.
    again = client.post(api_uploads(opened), {"document": SimpleUploadedFile("copie.xlsx", content)})
    assert again.status_code == 200 and again.json()["uid"] == body["uid"]
    # Another company: the file and its documents do not exist.
    assert signed_in(employer_b).get(api_uploads(opened)).status_code == 404
    assert signed_in(employer_b).get(listed["download"]).status_code == 404
    other = signed_in(employer_b).post(
        api_uploads(opened), {"document": SimpleUploadedFile("x.pdf", sample_files.pdf())}
    )
    assert other.status_code == 404


def test_the_api_never_serves_an_infected_document(opened, employer_a, advisor, scanner, private_storage):
    response = signed_in(employer_a).post(
        api_uploads(opened), {"document": SimpleUploadedFile("a.pdf", INFECTED_PDF)}
    )
    assert response.status_code == 201
    (listed,) = signed_in(advisor).get(api_uploads(opened)).json()
    assert listed["scan_status"] == "infected" and listed["download"] is None
    url = reverse("api:file-upload-download", kwargs={"uid": opened.uid, "document": listed["uid"]})
    refused = signed_in(advisor).get(url)
    assert refused.status_code == 409 and refused.json()["code"] == "not_scanned"


@pytest.mark.parametrize(
    ("content", "name", "status", "code"),
    [
        (sample_files.pdf(padding=100_000), "gros.pdf", 413, "too_large"),
        (sample_files.executable(), "facture.pdf", 415, "type_not_allowed"),
        (sample_files.plain_zip(), "pieces.zip", 415, "archive"),
        (b"", "vide.pdf", 400, None),
    ],
    ids=["oversized", "executable", "zip", "empty"],
)
def test_the_api_refuses_bad_files_with_a_clear_status_and_stores_nothing(
    opened, employer_a, settings, private_storage, content, name, status, code
):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    response = signed_in(employer_a).post(
        api_uploads(opened), {"document": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    assert Document.objects.count() == 0 and stored_files(private_storage) == []


def test_the_upload_operations_are_in_the_openapi_schema():
    schema = signed_in(None).get(reverse("api:schema"), {"format": "json"}).json()
    uploads = schema["paths"]["/api/v1/files/{uid}/uploads/"]
    assert "multipart/form-data" in uploads["post"]["requestBody"]["content"]
    assert "/api/v1/files/{uid}/uploads/{document}/download/" in schema["paths"]


# --- Law 25 --------------------------------------------------------------------------------------


def test_the_company_data_export_holds_its_files_and_documents(
    opened, employer_a, employer_b, advisor, scanner, private_storage
):
    import json

    send(signed_in(employer_a), opened, sample_files.pdf(), "Attestation.pdf")
    services.add_internal_note(file=opened, by=advisor, body="Note interne sur l’entreprise")
    document = Document.objects.get()
    data = json.loads(signed_in(employer_a).get(reverse("accounts:data_export")).content)
    (exported,) = data["files"]
    assert exported["uid"] == str(opened.uid)
    (sent,) = exported["documents"]
    assert sent["name"] == "Attestation.pdf" and sent["sha256"] == document.sha256
    assert sent["download"].endswith(download_url(document))
    assert "Note interne" not in json.dumps(data, ensure_ascii=False)
    other = json.loads(signed_in(employer_b).get(reverse("accounts:data_export")).content)
    assert other["files"] == []


def test_the_last_representative_closing_their_account_closes_the_company_s_open_files(
    opened, employer_a, private_storage
):
    from privacy.services import close_account

    closure = close_account(user=employer_a)
    assert closure.last_representative
    opened.refresh_from_db()
    assert opened.closed_at is not None and opened.stage.closes_file
    entry = opened.entries.filter(kind=FileEntry.Kind.STAGE_CHANGED).get()
    assert entry.body in ("Compte fermé", "Account closed")


def test_a_colleague_closing_their_account_leaves_the_files_open(
    opened, employer_a, network, private_storage
):
    from privacy.services import close_account
    from tests.factories import EmployerProfileFactory

    colleague = EmployerProfileFactory(company=opened.company).user
    close_account(user=colleague)
    opened.refresh_from_db()
    assert opened.closed_at is None
