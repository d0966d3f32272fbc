"""The adviser's calendar in Chromium: FullCalendar's week, list and day views with the week's
appointments and availability, then the same page without JavaScript (the server-rendered list)."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

from django.urls import reverse
from django.utils import timezone, translation

from appointments.models import Appointment, Mode
from tests import factories
from tests.browser.helpers import fr, log_in, open_week
from tests.inputs import PASSWORD

TZ = ZoneInfo("America/Toronto")


@pytest.fixture
def calendar_data(transactional_db):
    network = factories.small_network()
    open_week(network.advisor_a)
    advisor = network.advisor_a
    advisor.user.set_password(PASSWORD)
    advisor.user.save()
    employer = factories.EmployerProfileFactory(company__legal_name="Boulangerie du Cap inc.")
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    tuesday = monday + timedelta(days=1)
    for hour, status, mode in (
        (9, "confirmed", Mode.SERVICE_POINT),
        (13, "cancelled", Mode.PHONE),
        (14, "completed", Mode.VIDEO),
    ):
        start = datetime.combine(tuesday, time(hour), tzinfo=TZ)
        Appointment.objects.create(
            advisor=advisor,
            topic=network.topic,
            mode=mode,
            service_point=advisor.home_service_point,
            company=employer.company,
            municipality=employer.company.municipality,
            starts_at=start.astimezone(UTC),
            ends_at=(start + timedelta(hours=1)).astimezone(UTC),
            status=status,
        )
    return network


def test_calendar_renders(page, live_url, calendar_data):
    page.goto(live_url + "/")
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    log_in(page, nav, calendar_data.advisor_a.user)
    page.goto(live_url + reverse("advisors:me"))
    page.get_by_role("link", name=fr("Open my calendar (day, week and list views)")).click()
    expect(page.locator(".fc-timegrid")).to_be_visible()
    expect(page.locator(".cal-appointment").first).to_be_visible()
    assert page.locator(".cal-appointment").count() == 3
    assert page.locator(".cal-availability").count() >= 10
    expect(page.locator("[data-calendar-fallback]")).to_be_hidden()
    expect(page.locator("[data-calendar-legend]")).to_be_visible()
    page.locator(".fc-listWeek-button").click()
    expect(page.locator(".fc-list-event").first).to_be_visible()
    page.locator(".fc-timeGridDay-button").click()
    expect(page.locator(".fc-timeGridDay-view")).to_be_visible()
    page.locator(".fc-prev-button").click()
    page.locator(".fc-next-button").click()
    page.locator(".fc-timeGridWeek-button").click()
    page.locator(".cal-appointment").first.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("advisors:me")) + ".+/"))
    page.context.problems.assert_clean()


def test_calendar_without_js(browser, live_url, calendar_data):
    context = browser.new_context(
        base_url=live_url,
        java_script_enabled=False,
        locale="fr-CA",
        timezone_id="America/Toronto",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.goto(live_url + "/")
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    log_in(page, nav, calendar_data.advisor_a.user)
    page.goto(live_url + reverse("advisors:calendar"))
    expect(page.locator("[data-calendar-fallback]")).to_be_visible()
    expect(page.locator("[data-calendar-legend]")).to_be_hidden()
    assert page.locator("[data-calendar-fallback] tbody tr").count() == 3
    page.get_by_role("link", name=fr("Next week")).click()
    expect(page.get_by_text(fr("No appointment this week."))).to_be_visible()
    context.close()


@pytest.mark.parametrize(
    ("language", "monday", "list_label", "headers", "previous"),
    [
        (
            "fr-ca",
            r"^lun\. \d{1,2} [a-zéû]+\.?$",
            "Liste",
            ["Heure", "Rendez-vous ou disponibilité"],
            "Période précédente",
        ),
        (
            "en",
            r"^Mon [A-Z][a-z]{2} \d{1,2}$",
            "List",
            ["Time", "Appointment or availability"],
            "Previous period",
        ),
    ],
)
def test_the_calendar_speaks_the_page_language(
    page, live_url, calendar_data, language, monday, list_label, headers, previous
):
    """Column headers read "lun. 30 nov." / "Mon Nov 30" (not fr-CA's numeric "lun. 11-30"); the
    list view is "Liste" (not the pack's "Mon planning"); its column headers and the buttons'
    hints, read by screen readers, are in the page's language."""
    page.goto(live_url + "/")
    log_in(page, page.get_by_role("navigation", name=fr("Main menu")), calendar_data.advisor_a.user)
    with translation.override(language):
        page.goto(live_url + reverse("advisors:calendar"))
    expect(page.locator(".fc-timegrid")).to_be_visible()
    first = page.locator(".fc-col-header-cell .fc-col-header-cell-cushion").first.inner_text().strip()
    assert re.match(monday, first), first
    assert page.locator(".fc-prev-button").get_attribute("title") == previous
    # The buttons' words come from our catalogue too, capitalised alike ("today" was FullCalendar's).
    week = page.locator(".fc-timeGridWeek-button").inner_text().strip()
    assert week == {"fr-ca": "Semaine", "en": "Week"}[language], week
    view = page.locator(".fc-listWeek-button")
    assert view.inner_text().strip() == list_label
    view.click()
    expect(page.locator(".fc-list-event").first).to_be_visible()
    columns = page.locator(".fc-list-table thead th[id]").all_inner_texts()
    assert [text.strip() for text in columns] == headers
    page.context.problems.assert_clean()
