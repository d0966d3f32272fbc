"""A company file in Chromium, with real documents and the real clamd: the employer opens a file and
sends a document; the adviser requests another; the employer sends it; the adviser accepts it and
moves the file to its decision; the manager sees it in the directorate's overview.

Visible names come from the French catalogue at run time (`fr()`).
"""

import pytest
from django.urls import reverse
from django.utils import translation

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from company_files.models import CompanyFile, Document, DocumentRequest
from core.antivirus import ScanStatus
from tests import factories, sample_files
from tests.browser.helpers import fr, log_in, log_out
from tests.inputs import PASSWORD

COMPANY = "Érablière du Rang-Double inc."


def fr_url(name: str, **kwargs) -> str:
    with translation.override("fr-ca"):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def people(transactional_db):
    network = factories.small_network()
    programs = factories.file_programs(network.topic)
    employer = factories.UserFactory(email="line@erabliere.example", first_name="Line", password=PASSWORD)
    factories.EmployerProfileFactory(
        user=employer, company__legal_name=COMPANY, company__municipality=network.municipality_a
    )
    adviser = network.advisor_a.user
    manager = network.directorate_a.manager
    for user in (adviser, manager):
        user.set_password(PASSWORD)
        user.save()
    return employer, adviser, manager, programs["travailleurs-etrangers-temporaires"]


def test_documents_sent_requested_accepted_and_the_file_moved_to_its_decision(
    page, browser_context, people, live_url, celery_eager, scanner, private_storage, tmp_path
):
    employer, adviser, manager, program = people
    problems = browser_context.problems
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    first = tmp_path / "Lettre de présentation.pdf"
    first.write_bytes(sample_files.pdf())
    second = tmp_path / "Contrat de travail signé.pdf"
    second.write_bytes(sample_files.pdf(padding=2_000))
    page.goto("/")

    # 1. The employer opens a file and sends a document on their own.
    log_in(page, nav, employer)
    nav.get_by_role("link", name=fr("My files")).click()
    page.get_by_role("link", name=fr("Open a file")).click()
    page.get_by_role("radio", name=program.name_fr).check()
    page.get_by_role("button", name=fr("Open the file")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(program.name_fr)
    page.locator("input[type=file]").set_input_files(str(first))
    page.get_by_role("button", name=fr("Send the document")).click()
    expect(
        page.get_by_role("status").filter(
            has_text=fr("Your document is sent. It can be opened once the virus scan is done, in a moment.")
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name="Lettre de présentation.pdf")).to_be_visible()  # scanned: clean
    file = CompanyFile.objects.get()
    log_out(nav)

    # 2. The adviser sees it and requests another document.
    log_in(page, nav, adviser)
    nav.get_by_role("link", name=fr("My files")).click()
    page.get_by_role("link", name=COMPANY).click()
    expect(page.get_by_role("link", name="Lettre de présentation.pdf")).to_be_visible()
    page.get_by_label(fr("Other document")).fill("Contrat de travail signé")
    page.get_by_role("button", name=fr("Request the document")).click()
    expect(
        page.get_by_role("status").filter(
            has_text=fr("The document is requested; the employer sees it on the file.")
        )
    ).to_be_visible()
    log_out(nav)

    # 3. The employer sends it, for that request.
    log_in(page, nav, employer)
    page.goto(fr_url("company_files:detail", uid=file.uid))
    page.get_by_label(fr("Which requested document is it?")).select_option(label="Contrat de travail signé")
    page.locator("input[type=file]").set_input_files(str(second))
    page.get_by_role("button", name=fr("Send the document")).click()
    expect(page.get_by_role("link", name="Contrat de travail signé.pdf")).to_be_visible()
    log_out(nav)
    request = DocumentRequest.objects.get()
    assert request.status == DocumentRequest.Status.RECEIVED
    assert set(Document.objects.values_list("scan_status", flat=True)) == {ScanStatus.CLEAN}

    # 4. The adviser accepts it, then moves the file: documents requested → analysis → decision.
    log_in(page, nav, adviser)
    page.goto(fr_url("company_files:handle", uid=file.uid))
    row = page.get_by_role("row").filter(has_text="Contrat de travail signé.pdf")
    row.get_by_role("button", name=fr("Accept")).click()
    expect(
        page.get_by_role("status").filter(
            has_text=fr("The review is recorded; the employer is told by email.")
        )
    ).to_be_visible()
    for stage_code, reason in (
        ("documents-demandes", ""),
        ("en-analyse", ""),
        ("decision", "Dossier complet."),
    ):
        target = program.stages.get(code=stage_code)
        page.get_by_label(fr("Move the file to")).select_option(label=target.name_fr)
        if reason:
            page.locator("textarea[name=move-reason]").fill(reason)
        page.get_by_role("button", name=fr("Move the file")).click()
        expect(page.locator("dl.summary")).to_contain_text(target.name_fr)
    request.refresh_from_db()
    assert request.status == DocumentRequest.Status.ACCEPTED
    file.refresh_from_db()
    assert file.stage.code == "decision"
    log_out(nav)

    # 5. The manager sees it in the directorate's overview.
    log_in(page, nav, manager)
    page.goto(fr_url("company_files:overview"))
    decision = page.get_by_role("row").filter(has_text=program.stages.get(code="decision").name_fr)
    expect(decision.get_by_role("link", name="1")).to_be_visible()
    problems.assert_clean()
