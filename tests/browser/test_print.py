"""Printing an appointment page gives the record, not the screen (static/css/site.css, @media print):
no navigation, language switcher, messages or forms — the list of documents to prepare stays, without
its button — and the details, the place and the phone readable in black on white."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from appointments import services
from appointments.models import ChecklistItem, Mode
from core.business_hours import local_zone
from tests import factories
from tests.booking_helpers import local
from tests.browser.helpers import fr, log_in, open_week
from tests.inputs import PASSWORD

# Every element of <main> that shows text, with its colour and background, as the printer gets them.
COLOURS = """() => [...document.querySelectorAll("main *")]
  .filter((el) => el.checkVisibility() && [...el.childNodes].some(
    (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
  .map((el) => {
    const style = getComputedStyle(el);
    return [el.tagName, el.textContent.trim().slice(0, 40), style.color, style.backgroundColor];
  })"""
BLACK = "rgb(0, 0, 0)"
NO_BACKGROUND = ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")


@pytest.fixture
def scene(transactional_db, celery_eager):
    """An employer's appointment at the adviser's point next Wednesday and a phone one the day after,
    with adviser A; the topic has a document to prepare. Both people log in with PASSWORD."""
    network = factories.small_network()
    open_week(network.advisor_a)
    ChecklistItem.objects.create(topic=network.topic, name_fr="Offre d'emploi", name_en="Job offer")
    employer = factories.UserFactory(email="print@usinage.example", first_name="Paule", password=PASSWORD)
    company = factories.EmployerProfileFactory(
        user=employer, company__municipality=network.municipality_a
    ).company
    adviser = network.advisor_a.user
    adviser.set_password(PASSWORD)
    adviser.save()
    point = network.advisor_a.home_service_point
    today = timezone.localdate(timezone.now(), local_zone())
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7 + 7)  # next week's: past any notice
    booked = [
        services.book_appointment(
            company=company,
            booked_by=employer,
            topic=network.topic,
            mode=mode,
            location=network.municipality_a,
            choice=services.SlotChoice(network.advisor_a.pk, point.pk, local(day, 10, 30)),
            contact_phone="+18195550101" if mode == Mode.PHONE else "",
        )
        for mode, day in ((Mode.SERVICE_POINT, wednesday), (Mode.PHONE, wednesday + timedelta(days=1)))
    ]
    return network, employer, adviser, booked


def on_page(name: str, appointment) -> str:
    with translation.override("fr-ca"):
        return reverse(name, args=[appointment.uid])


def assert_printed_as_a_record(page):
    page.emulate_media(media="print")
    for hidden in ("nav.site-nav", "form.language-switcher", ".skip-link"):
        expect(page.locator(hidden)).to_be_hidden()
    visible_forms = page.locator("main form:visible").evaluate_all(
        "(forms) => forms.filter((f) => !f.closest('#checklist')).length"
    )
    assert visible_forms == 0
    expect(page.locator("main .button:visible")).to_have_count(0)
    colours = page.evaluate(COLOURS)
    assert colours, "nothing printed"
    wrong = [c for c in colours if c[2] != BLACK or c[3] not in NO_BACKGROUND]
    assert wrong == []


def test_the_employer_prints_the_appointment(page, browser_context, scene):
    network, employer, _adviser, (appointment, _phone) = scene
    page.goto("/")
    log_in(page, page.get_by_role("navigation", name=fr("Main menu")), employer)
    page.goto(on_page("appointments:detail", appointment))
    assert_printed_as_a_record(page)
    details = page.locator("main dl.details").first
    expect(details).to_be_visible()
    expect(details).to_contain_text(network.advisor_a.home_service_point.street_address)
    expect(page.locator("#checklist")).to_contain_text("Offre d'emploi")
    expect(page.get_by_role("link", name=fr("Cancel the appointment"))).to_be_hidden()
    browser_context.problems.assert_clean()


def test_the_adviser_prints_a_phone_appointment_with_the_number_to_call(page, browser_context, scene):
    _network, _employer, adviser, (_appointment, phone) = scene
    page.goto("/")
    log_in(page, page.get_by_role("navigation", name=fr("Main menu")), adviser)
    page.goto(on_page("advisors:appointment", phone))
    assert_printed_as_a_record(page)
    expect(page.locator("main")).to_contain_text("819 555-0101")
    expect(page.get_by_role("button", name=fr("Cancel the appointment"))).to_be_hidden()
    browser_context.problems.assert_clean()
