"""Scanning stored documents with a real clamd (tests/clamd.py), and the scan statuses."""

import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.antivirus import (
    ScanError,
    ScannerUnavailable,
    ScanStatus,
    Verdict,
    may_serve,
    next_scan_status,
    ping_scanner,
    scan_stored,
    scanner_configured,
    unscanned_downloads_allowed,
)
from core.uploads import private_storage, store_upload
from tests import sample_files
from tests.clamd import EICAR_SIGNATURE
from tests.processes import free_port


def stored(content: bytes, name: str = "document.pdf") -> str:
    return private_storage().save(f"test/{name}", SimpleUploadedFile(name, content))


def test_the_eicar_file_is_found(scanner, private_storage):
    verdict = scan_stored(stored(sample_files.eicar(), "eicar.com"))
    assert verdict.infected
    assert verdict.signature.startswith(EICAR_SIGNATURE)
    assert verdict.status == ScanStatus.INFECTED


def test_eicar_inside_an_accepted_document_is_found(scanner, private_storage):
    # A PDF that passes the upload checks and carries the test string: only the scanner stops it.
    content = sample_files.PDF_BODY + sample_files.eicar() + b"\n"
    key = store_upload(SimpleUploadedFile("lettre.pdf", content)).key
    assert scan_stored(key).infected


def test_a_clean_pdf_is_clean(scanner, private_storage):
    key = store_upload(SimpleUploadedFile("attestation.pdf", sample_files.pdf(padding=200_000))).key
    assert scan_stored(key) == Verdict(infected=False)
    assert scan_stored(key).status == ScanStatus.CLEAN


def test_clamd_down_is_scanner_unavailable(settings, private_storage):
    settings.CLAMD_URL = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    settings.CLAMD_TIMEOUT_SECONDS = 2
    key = stored(sample_files.pdf())
    with pytest.raises(ScannerUnavailable):
        scan_stored(key)
    with pytest.raises(ScannerUnavailable):
        ping_scanner()


def test_a_unix_socket_that_is_not_there_is_scanner_unavailable(settings, private_storage, tmp_path):
    settings.CLAMD_URL = f"unix://{tmp_path / 'clamd.ctl'}"
    with pytest.raises(ScannerUnavailable):
        scan_stored(stored(sample_files.pdf()))


def test_without_a_scanner_nothing_is_scanned_and_the_page_can_say_so(settings, private_storage):
    settings.CLAMD_URL = ""
    assert not scanner_configured()
    with pytest.raises(ScannerUnavailable):
        scan_stored(stored(sample_files.pdf()))


def test_the_scanner_answers_ping(scanner):
    assert scanner_configured()
    ping_scanner()


def test_a_file_over_clamds_stream_limit_is_a_scan_error(settings, scanner, private_storage):
    # tests/clamd.py sets StreamMaxLength 32M: clamd answers "size limit exceeded" (ScanError), or,
    # when it hangs up while the rest is still being sent, the send fails (ScannerUnavailable).
    key = stored(sample_files.pdf(padding=33 * 1024 * 1024), "huge.pdf")
    with pytest.raises((ScanError, ScannerUnavailable)):
        scan_stored(key)


# --- Statuses ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "outcome", "expected"),
    [
        (ScanStatus.PENDING, Verdict(infected=False), ScanStatus.CLEAN),
        (ScanStatus.PENDING, Verdict(infected=True, signature="X"), ScanStatus.INFECTED),
        (ScanStatus.PENDING, None, ScanStatus.FAILED),
        (ScanStatus.FAILED, None, ScanStatus.FAILED),
        (ScanStatus.FAILED, Verdict(infected=False), ScanStatus.CLEAN),
    ],
)
def test_a_scan_moves_a_document_on(current, outcome, expected):
    assert next_scan_status(current, outcome) == expected


@pytest.mark.parametrize("current", [ScanStatus.CLEAN, ScanStatus.INFECTED])
@pytest.mark.parametrize("outcome", [Verdict(infected=False), Verdict(infected=True), None])
def test_a_verdict_is_final(current, outcome):
    with pytest.raises(ValueError):
        next_scan_status(current, outcome)


def test_only_clean_documents_are_served(settings):
    settings.DOCUMENT_ALLOW_UNSCANNED = False
    assert not unscanned_downloads_allowed()
    assert [status for status in ScanStatus if may_serve(status)] == [ScanStatus.CLEAN]


def test_a_developer_may_serve_unscanned_documents_but_never_infected_ones(settings):
    settings.DOCUMENT_ALLOW_UNSCANNED = True
    assert {status for status in ScanStatus if may_serve(status)} == {
        ScanStatus.CLEAN,
        ScanStatus.PENDING,
        ScanStatus.FAILED,
    }


def test_clamd_that_stops_answering_is_scanner_unavailable(settings, private_storage):
    # A server that accepts the connection and never answers, as a hung clamd does.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        settings.CLAMD_URL = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        settings.CLAMD_TIMEOUT_SECONDS = 0.5
        with pytest.raises(ScannerUnavailable):
            scan_stored(stored(sample_files.pdf()))
