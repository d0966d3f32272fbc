"""Serving a stored document (core.downloads): streamed by the app or handed to nginx, always as an
attachment with a safe name and nosniff."""

import re
from pathlib import Path
from urllib.parse import unquote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse

from core.downloads import content_disposition, stored_file_response
from core.uploads import PDF, store_upload
from tests import sample_files

NGINX = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()


def test_the_app_streams_the_file_in_chunks(private_storage, settings):
    settings.DOCUMENT_ACCEL_REDIRECT_PREFIX = ""
    content = sample_files.pdf(padding=300_000)
    stored = store_upload(SimpleUploadedFile("attestation.pdf", content))
    response = stored_file_response(key=stored.key, name=stored.name, content_type=stored.content_type)
    assert isinstance(response, FileResponse) and response.streaming
    chunks = list(response.streaming_content)
    assert len(chunks) > 1 and b"".join(chunks) == content
    assert response["Content-Type"] == PDF
    assert response["Content-Length"] == str(len(content))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"attestation.pdf\"; filename*=UTF-8''attestation.pdf"
    )
    response.file_to_stream.close()  # response.close() would also signal the end of a request


def test_behind_nginx_the_app_hands_the_file_over(private_storage, settings):
    settings.DOCUMENT_ACCEL_REDIRECT_PREFIX = "/_documents/"
    stored = store_upload(SimpleUploadedFile("CV.pdf", sample_files.pdf()))
    response = stored_file_response(key=stored.key, name="Curriculum vitæ.pdf", content_type=PDF)
    assert response["X-Accel-Redirect"] == f"/_documents/{stored.key}"
    assert response.content == b""
    assert response["Content-Type"] == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''Curriculum%20vit%C3%A6.pdf" in response["Content-Disposition"]


def test_nginx_serves_the_private_folder_only_to_the_app():
    location = re.search(r"location /_documents/ \{(.*?)\}", NGINX, re.S)
    assert location, "deploy/nginx.conf has no internal location for DOCUMENT_ACCEL_REDIRECT_PREFIX"
    assert "internal;" in location.group(1)  # a visitor asking for /_documents/… gets a 404
    assert "X-Content-Type-Options nosniff" in location.group(1)


def test_unicode_names_have_an_ascii_fallback_and_the_exact_name():
    header = content_disposition("Déclaration d’emploi (été 2026).pdf")
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert fallback == "Declaration demploi (ete 2026).pdf"
    exact = re.search(r"filename\*=UTF-8''(\S+)$", header).group(1)
    assert unquote(exact) == "Déclaration d’emploi (été 2026).pdf"


def test_quotes_and_separators_cannot_break_the_header():
    header = content_disposition('a"b;c\\d.pdf')
    assert header.startswith('attachment; filename="a_b_c_d.pdf"; ')
    assert "\r" not in header and "\n" not in header
    assert header.endswith("filename*=UTF-8''a%22b%3Bc%5Cd.pdf")


def test_a_name_with_no_ascii_letters_falls_back_to_document():
    header = content_disposition("文件.pdf")
    assert header.startswith('attachment; filename="document.pdf"; ')


def test_a_name_without_an_extension_keeps_its_fallback():
    assert content_disposition("rapport").startswith('attachment; filename="rapport"; ')
    assert content_disposition("été").startswith('attachment; filename="ete"; ')
    assert content_disposition("文件").startswith('attachment; filename="document"; ')
