"""A consultation request in Chromium: the employer asks, the adviser proposes, the employer books.

The employer finds no time that suits on the results page, sends a request instead; the routing
task (Celery, eager) assigns it to the nearest qualified adviser, who gets an email, sees it in
the main menu, and proposes two times; the employer books one of them.

Visible names come from the French catalogue at run time (`fr()`, as in test_booking_journey),
so the test reads what the page shows whether or not a string is translated yet.
"""

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import ngettext

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from tests import factories
from tests.browser.helpers import fr, log_in, log_out, open_week, proposed_at
from tests.inputs import PASSWORD

COMPANY = "Boulangerie du Cap inc."


def fr_plural(singular: str, plural: str, count: int) -> str:
    """A `{% blocktranslate count counter=… %}` text as the French pages show it."""
    with translation.override("fr-ca"):
        return ngettext(singular, plural, count) % {"counter": count}


@pytest.fixture
def people(transactional_db):
    """An employer of a company in Trois-Rivières, and the adviser of Trois-Rivières, both with PASSWORD."""
    network = factories.small_network()
    for advisor in (network.advisor_a, network.advisor_b):
        open_week(advisor)
    employer = factories.UserFactory(email="josee@boulangerie.example", first_name="Josée", password=PASSWORD)
    factories.EmployerProfileFactory(
        user=employer,
        company__legal_name=COMPANY,
        company__municipality=network.municipality_a,
    )
    adviser = network.advisor_a.user
    adviser.set_password(PASSWORD)
    adviser.save()
    return employer, adviser, network


def test_request_routed_proposed_and_booked(page, browser_context, people, live_url, celery_eager):
    employer, adviser, network = people
    problems = browser_context.problems
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    summary = page.locator("dl.summary")
    page.goto("/")

    # 1. The employer searches, then sends a request from the results page.
    log_in(page, nav, employer)
    nav.get_by_role("link", name=fr("Book a consultation")).click()
    page.get_by_role("radio", name=network.topic.name_fr).check()
    page.get_by_role("radio", name=fr(Mode.SERVICE_POINT.label)).check()
    page.get_by_role("button", name=fr("See the available times")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Choose a time"))

    page.get_by_role("link", name=fr("Send a consultation request")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Request a consultation"))
    # Topic and mode come from the search; the municipality from the company.
    expect(page.get_by_role("radio", name=network.topic.name_fr)).to_be_checked()
    expect(page.get_by_role("radio", name=fr(Mode.SERVICE_POINT.label))).to_be_checked()
    expect(page.get_by_label(fr("Where is the company?"))).to_have_value("Trois-Rivières")

    page.get_by_label(fr("Language of the consultation")).select_option(label="Anglais")
    page.get_by_role("checkbox", name=fr("Tuesday")).check()
    page.get_by_role("checkbox", name=fr("Thursday")).check()
    page.get_by_role("radio", name=fr(ConsultationRequest.TimeOfDay.MORNING.label)).check()
    page.get_by_label(fr("Describe your need")).fill("Nous voulons embaucher deux boulangers de l'étranger.")
    page.get_by_role("button", name=fr("Send the request")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Consultation request"))
    expect(page.get_by_role("status")).to_contain_text(
        fr("Your request is sent. The nearest qualified adviser will answer you by email.")
    )
    # The routing task ran after the commit, before the redirect was answered.
    expect(summary).to_contain_text(fr(ConsultationRequest.Status.ASSIGNED.label))
    expect(summary).to_contain_text(str(network.advisor_a))

    consultation = ConsultationRequest.objects.get()
    assert page.url.endswith(f"/{consultation.uid}/")
    assert consultation.status == ConsultationRequest.Status.ASSIGNED
    assert consultation.assigned_advisor == network.advisor_a
    assert consultation.company == employer.employer_profile.company
    assert (consultation.topic, consultation.mode, consultation.municipality) == (
        network.topic,
        Mode.SERVICE_POINT,
        network.municipality_a,
    )
    assert consultation.language == "en"
    assert consultation.preferred_weekdays == [1, 3]
    assert consultation.preferred_time == ConsultationRequest.TimeOfDay.MORNING

    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    assert mail.outbox[0].to == [adviser.email]

    # 2. The adviser sees it in the main menu and proposes two times.
    log_out(nav)
    log_in(page, nav, adviser)
    requests_link = nav.get_by_role("link", name=fr("Requests"))
    badge = requests_link.locator(".badge")
    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute(
        "aria-label", fr_plural("%(counter)s request waiting", "%(counter)s requests waiting", 1)
    )
    requests_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Requests waiting for your answer"))
    page.get_by_role("link", name=COMPANY).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(COMPANY)

    times = page.get_by_role("checkbox")
    expect(times.first).to_be_visible()
    ticked = [times.nth(0), times.nth(1)]
    for box in ticked:
        box.check()
    proposed = sorted(proposed_at(box.get_attribute("value")) for box in ticked)
    page.get_by_role("button", name=fr("Propose the ticked times")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Requests waiting for your answer"))
    expect(page.get_by_role("status")).to_contain_text(fr("The times are sent to the employer."))
    expect(badge).to_have_count(0)  # answered: nothing waits any more
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.PROPOSED
    proposals = list(consultation.proposals.order_by("starts_at"))
    assert [p.starts_at for p in proposals] == proposed
    assert {p.advisor for p in proposals} == {network.advisor_a}

    assert len(mail.outbox) == 2, [m.subject for m in mail.outbox]
    assert mail.outbox[1].to == [employer.email]

    # 3. The employer books the later of the two proposed times.
    log_out(nav)
    log_in(page, nav, employer)
    nav.get_by_role("link", name=fr("My requests")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("My requests"))
    row = page.get_by_role("row").filter(has_text=network.topic.name_fr)
    expect(row).to_contain_text(fr(ConsultationRequest.Status.PROPOSED.label))
    row.get_by_role("link").click()

    expect(page.get_by_role("heading", level=2)).to_have_text(fr("Times proposed by the adviser"))
    offered = page.locator("form").filter(has=page.locator("input[name=proposal]")).get_by_role("button")
    expect(offered).to_have_count(2)
    chosen = proposals[1]
    page.locator("form").filter(has=page.locator(f"input[name=proposal][value='{chosen.pk}']")).get_by_role(
        "button"
    ).click()

    expect(page.locator("dl.details .badge")).to_have_text(fr(Appointment.Status.CONFIRMED.label))
    expect(page.get_by_role("status")).to_contain_text(
        fr("Your appointment is booked. A confirmation email is on its way.")
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.BOOKED
    appointment = consultation.appointment
    assert appointment is not None and page.url.endswith(f"/{appointment.uid}/")
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.starts_at == chosen.starts_at
    assert appointment.advisor == network.advisor_a
    assert appointment.company == employer.employer_profile.company
    assert appointment.booked_by == employer

    assert len(mail.outbox) == 3, [m.subject for m in mail.outbox]
    assert mail.outbox[2].to == [employer.email]

    problems.assert_clean()
