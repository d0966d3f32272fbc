"""Uploaded documents (core.uploads): the type from the content, limits, names, the private storage,
and a too-large upload refused while it arrives."""

import hashlib
import io
import json
import os
import subprocess
import sys
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from core.uploads import (
    DOCX,
    JPEG,
    NAME_MAX_CHARS,
    PDF,
    PNG,
    XLSX,
    UploadRefused,
    check_upload,
    check_upload_size,
    delete_stored,
    open_stored,
    refuse_oversized_upload,
    sanitise_file_name,
    store_upload,
    upload_was_too_large,
)
from tests import sample_files
from tests.processes import ROOT, app_env

MiB = 1024 * 1024


def upload(content: bytes, name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(content: bytes, name: str = "document.pdf") -> str:
    with pytest.raises(UploadRefused) as caught:
        check_upload(upload(content, name))
    return caught.value.code


# --- The type, read from the content -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "content_type", "stored_name"),
    [
        (sample_files.pdf(), "Attestation.PDF", PDF, "Attestation.pdf"),
        (sample_files.png(), "plan.png", PNG, "plan.png"),
        (sample_files.jpeg(), "photo.jpeg", JPEG, "photo.jpeg"),
        (sample_files.docx(), "offre d’emploi.docx", DOCX, "offre d’emploi.docx"),
        (sample_files.xlsx(), "effectifs.xlsx", XLSX, "effectifs.xlsx"),
    ],
)
def test_it_accepts_each_allowed_type(content, name, content_type, stored_name):
    checked = check_upload(upload(content, name))
    assert (checked.content_type, checked.name, checked.size) == (content_type, stored_name, len(content))
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_it_ignores_the_name_and_the_browsers_header():
    checked = check_upload(
        SimpleUploadedFile("scan.exe", sample_files.pdf(), content_type="application/x-msdownload")
    )
    assert (checked.content_type, checked.name) == (PDF, "scan.exe.pdf")
    assert check_upload(upload(sample_files.png(), "image.pdf")).name == "image.pdf.png"


def test_it_refuses_an_executable_renamed_pdf():
    assert refusal(sample_files.executable(), "facture.pdf") == UploadRefused.TYPE_NOT_ALLOWED
    assert UploadRefused(UploadRefused.TYPE_NOT_ALLOWED).status == 415


@pytest.mark.parametrize(
    "content", [b"Hello, plain text\n", b"<html><script>alert(1)</script></html>", b"\x00" * 100]
)
def test_it_refuses_other_types(content):
    assert refusal(content) == UploadRefused.TYPE_NOT_ALLOWED


def test_it_refuses_a_zip_even_named_docx():
    assert refusal(sample_files.plain_zip(), "archive.zip") == UploadRefused.ARCHIVE
    assert refusal(sample_files.plain_zip(), "rapport.docx") == UploadRefused.ARCHIVE


def test_it_refuses_a_word_document_with_macros():
    assert refusal(sample_files.docm(), "rapport.docx") == UploadRefused.ARCHIVE


def test_it_refuses_a_broken_zip():
    assert refusal(sample_files.docx()[:200], "rapport.docx") == UploadRefused.TYPE_NOT_ALLOWED


def test_it_refuses_an_empty_file():
    assert refusal(b"") == UploadRefused.EMPTY
    assert UploadRefused(UploadRefused.EMPTY).status == 400


def test_it_refuses_a_file_over_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 4096
    assert check_upload(upload(sample_files.pdf(padding=4096 - len(sample_files.PDF_BODY)))).size == 4096
    with pytest.raises(UploadRefused) as caught:
        check_upload(upload(sample_files.pdf(padding=4097 - len(sample_files.PDF_BODY))))
    assert (caught.value.code, caught.value.status) == (UploadRefused.TOO_LARGE, 413)
    assert caught.value.message == "Ce fichier dépasse 4,0\xa0Kio, la taille maximale acceptée."


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\marie\\Documents\\CV.pdf", "CV.pdf"),
        ("/var/www/../secret.pdf", "secret.pdf"),
        ("rapport\r\nSet-Cookie: x=1.pdf", "rapport Set-Cookie: x=1.pdf"),
        ("fac\x00ture.pdf", "facture.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),  # the right-to-left override is dropped
        ("  ..cachée.pdf ", "cachée.pdf"),
        (".pdf", "pdf.pdf"),
        ("", "document.pdf"),
        ("..", "document.pdf"),
        ("Déclaration", "Déclaration.pdf"),
    ],
)
def test_it_sanitises_names(given, expected):
    assert sanitise_file_name(given, content_type=PDF) == expected


def test_it_shortens_a_200_character_unicode_name_and_keeps_its_extension():
    long_name = "Demande d’évaluation de l’impact sur le marché du travail — " * 4 + "annexe.pdf"
    assert len(long_name) > 200
    name = sanitise_file_name(long_name, content_type=PDF)
    assert len(name) <= NAME_MAX_CHARS and name.endswith(".pdf")
    assert name.startswith("Demande d’évaluation")


def test_a_cut_never_leaves_an_accent_without_its_letter():
    # Decomposed e + combining acute that NFC cannot join (no precomposed "q́").
    name = sanitise_file_name("q\u0301" * 150 + ".pdf", content_type=PDF)
    stem = name.removesuffix(".pdf")
    assert len(name) <= NAME_MAX_CHARS and not unicodedata.combining(stem[-1])


def test_names_are_composed_so_they_compare_equal():
    assert sanitise_file_name("re\u0301sume\u0301.pdf", content_type=PDF) == "résumé.pdf"


# --- The private storage -----------------------------------------------------------------------


def test_it_stores_under_a_random_key_in_the_private_storage(private_storage):
    content = sample_files.pdf()
    first = store_upload(upload(content, "Mon CV.pdf"))
    second = store_upload(upload(content, "Mon CV.pdf"))
    assert first.key != second.key  # one stored copy per document is the domain's constraint
    assert first.sha256 == second.sha256 == hashlib.sha256(content).hexdigest()
    assert "CV" not in first.key and "." not in first.key
    path = private_storage / first.key
    assert path.read_bytes() == content
    with open_stored(first.key) as stored:
        assert stored.read() == content
    delete_stored(first.key)
    assert not path.exists()


def test_the_private_folder_is_under_var_and_outside_static_files(settings):
    from django.core.files.storage import storages

    location = os.path.realpath(storages["private"].location)
    assert location == os.path.realpath(settings.VAR_DIR / "private")
    for served in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        assert not location.startswith(os.path.realpath(served))


# --- A too-large upload, refused while it arrives ------------------------------------------------


class CountingInput(io.BytesIO):
    """wsgi.input that counts what the parser read."""

    consumed = 0

    def read(self, size=-1):
        data = super().read(size)
        self.consumed += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.consumed += len(data)
        return data


def multipart_request(
    path: str, content: bytes, *, announced: int | None = None
) -> tuple[WSGIRequest, CountingInput]:
    """A POST of a form whose CSRF token comes before its file, as Django's templates put it."""
    body = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": "token", "file": upload(content)})
    stream = CountingInput(body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": MULTIPART_CONTENT,
        "CONTENT_LENGTH": str(announced if announced is not None else len(body)),
        "wsgi.input": stream,
    }
    return WSGIRequest(environ), stream


def test_a_file_within_the_limit_passes(settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    request, _stream = multipart_request("/documents/", sample_files.pdf(padding=30_000))
    assert refuse_oversized_upload(request) is None
    assert request.FILES["file"].size == len(sample_files.pdf(padding=30_000))


def test_a_file_just_over_the_limit_is_dropped_and_answered_413(settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    content = sample_files.pdf(padding=70_000)
    request, stream = multipart_request("/documents/", content)
    response = refuse_oversized_upload(request)
    assert response.status_code == 413
    assert "Ce fichier dépasse 64,0\xa0Kio, la taille maximale acceptée." in response.content.decode()
    assert "file" not in request.FILES  # nothing kept
    assert request.POST["csrfmiddlewaretoken"] == "token"  # the CSRF check before the view passes
    # A modest excess is read to the end so the browser sees the answer, not a reset connection.
    assert stream.consumed == len(stream.getvalue())


def test_a_file_far_over_the_limit_is_not_read_further(settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    # Announced within the form's allowance (so the file starts to arrive), but over twice the
    # limit: the handler stops at the limit and leaves the rest unread.
    content = sample_files.pdf(padding=500_000)
    request, stream = multipart_request("/documents/", content)
    assert upload_was_too_large(request) is False  # nothing parsed yet
    request.FILES  # noqa: B018
    assert upload_was_too_large(request)
    assert "file" not in request.FILES
    assert stream.consumed < settings.UPLOAD_MAX_BYTES + 3 * 65536


def test_a_body_announced_too_large_is_refused_before_the_file_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    content = sample_files.pdf(padding=3 * MiB)
    request, stream = multipart_request("/documents/", content)
    with pytest.raises(UploadRefused) as caught:
        check_upload_size(request)
    assert caught.value.status == 413
    assert request.POST["csrfmiddlewaretoken"] == "token"
    assert stream.consumed < 2 * 65536  # the fields before the file, not the file


def test_under_the_api_the_refusal_is_json(settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024
    request, _stream = multipart_request("/api/v1/documents/", sample_files.pdf(padding=100_000))
    response = refuse_oversized_upload(request)
    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "too_large"


def test_a_form_without_a_file_is_not_refused():
    request, _stream = multipart_request("/documents/", b"")
    assert refuse_oversized_upload(request) is None


# --- Memory -------------------------------------------------------------------------------------

MEMORY_PROBE = """
import json, os, resource, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import MULTIPART_CONTENT
from core.uploads import check_upload, refuse_oversized_upload, store_upload
from tests.sample_files import pdf

body = sys.argv[1]
# Warm up the code paths (imports, libmagic's database) on a small file first.
check_upload(SimpleUploadedFile("small.pdf", pdf()))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(body, "rb") as stream:
    request = WSGIRequest({
        "REQUEST_METHOD": "POST", "PATH_INFO": "/documents/", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "CONTENT_TYPE": MULTIPART_CONTENT,
        "CONTENT_LENGTH": str(os.path.getsize(body)), "wsgi.input": stream,
    })
    assert refuse_oversized_upload(request) is None
    stored = store_upload(request.FILES["file"])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_kib": after - before, "size": stored.size}))
"""


def write_multipart_body(path, size: int) -> None:
    """A form with a `size`-byte PDF, written in pieces: this process never holds it whole either."""
    head, tail = sample_files.PDF_BODY[:9], sample_files.PDF_BODY[9:]
    filler = b"% " + b"x" * 65533 + b"\n"
    with open(path, "wb") as out:
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\nt\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
        )
        out.write(head)
        remaining = size - len(head) - len(tail)
        while remaining > 0:
            out.write(filler[:remaining])
            remaining -= len(filler)
        out.write(tail + f"\r\n--{BOUNDARY}--\r\n".encode())


@pytest.mark.slow
def test_a_10_mb_upload_is_never_whole_in_memory(tmp_path):
    size = 10 * MiB  # the default limit
    write_multipart_body(tmp_path / "body", size)
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "body")],
        cwd=ROOT,
        env=app_env(DOCUMENT_STORAGE_DIR=str(tmp_path / "private"), FILE_UPLOAD_TEMP_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["size"] == size
    # Reading the file whole would add at least its 10 MiB; streaming adds a few chunks.
    assert measured["growth_kib"] < 3 * 1024, measured


# --- Through the middleware stack --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("core.tests.upload_urls")
def test_a_too_large_upload_gets_413_past_the_csrf_check(settings, private_storage):
    from django.test import Client

    settings.UPLOAD_MAX_BYTES = 64 * 1024
    client = Client(enforce_csrf_checks=True)
    token = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    accepted = client.post(
        "/documents/", {"csrfmiddlewaretoken": token, "file": upload(sample_files.pdf(), "CV.pdf")}
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["name"] == "CV.pdf"
    too_large = client.post(
        "/documents/", {"csrfmiddlewaretoken": token, "file": upload(sample_files.pdf(padding=100_000))}
    )
    assert too_large.status_code == 413
    assert "64,0\xa0Kio" in too_large.content.decode()
    assert [path.name for path in private_storage.rglob("*") if path.is_file()] == [
        accepted.json()["key"][3:]
    ]
    renamed = client.post(
        "/documents/",
        {"csrfmiddlewaretoken": token, "file": upload(sample_files.executable(), "facture.pdf")},
    )
    assert renamed.status_code == 415
