"""The adviser's calendar shows the adviser's time whatever zone the browser is in (issue 27).

An adviser's 8 h 30 appointment was drawn at 13 h 30 by a browser set to UTC: FullCalendar drew
the feed's times, and chose today, in the browser's zone. The page now gives FullCalendar the
adviser's zone (their service point's), which its luxon3 plugin applies: these tests open the
calendar from browsers set to UTC, to Paris and to Vancouver, across both DST changes, and from
Québec for an adviser of the Îles-de-la-Madeleine (Atlantic time).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, Mode
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, PageProblems
from tests.browser.helpers import fr, log_in, open_week
from tests.inputs import PASSWORD

EASTERN = ZoneInfo("America/Toronto")
ATLANTIC = ZoneInfo("America/Halifax")
# Canada springs forward on Sunday 14 March 2027 and falls back on Sunday 7 November 2027.
BEFORE_SPRING, AFTER_SPRING = date(2027, 3, 12), date(2027, 3, 15)  # a Friday, a Monday
BEFORE_FALL, AFTER_FALL = date(2027, 11, 5), date(2027, 11, 8)


def appointment(network, advisor, employer, day: date, at: time, zone: ZoneInfo, mode=Mode.PHONE):
    start = datetime.combine(day, at, tzinfo=zone)
    return Appointment.objects.create(
        advisor=advisor,
        topic=network.topic,
        mode=mode,
        service_point=advisor.home_service_point,
        company=employer.company,
        municipality=employer.company.municipality,
        starts_at=start.astimezone(UTC),
        ends_at=(start + timedelta(hours=1)).astimezone(UTC),
    )


@pytest.fixture
def calendar(transactional_db):
    """Adviser A (Trois-Rivières, Eastern time): 8 h 30 on this week's Tuesday, 9 h on each side
    of both DST changes of 2027."""
    network = factories.small_network()
    advisor = network.advisor_a
    open_week(advisor)
    advisor.user.set_password(PASSWORD)
    advisor.user.save()
    employer = factories.EmployerProfileFactory(company__legal_name="Boulangerie du Cap inc.")
    today = timezone.localdate()
    network.tuesday = today - timedelta(days=today.weekday()) + timedelta(days=1)
    appointment(network, advisor, employer, network.tuesday, time(8, 30), EASTERN)
    for day in (BEFORE_SPRING, AFTER_SPRING, BEFORE_FALL, AFTER_FALL):
        appointment(network, advisor, employer, day, time(9), EASTERN)
    return network


def open_calendar(browser, live_url, user, *, zone: str, week: date | None = None, clock=None):
    """A French browser set to `zone` (its clock at `clock` if given), signed in as `user`, on the
    calendar's week view (of `week`)."""
    context = browser.new_context(
        base_url=live_url, locale="fr-CA", timezone_id=zone, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems(live_url)
    context.on("console", problems.on_console)
    context.on("requestfailed", problems.on_request_failed)
    context.on("response", problems.on_response)
    page = context.new_page()
    if clock is not None:
        page.clock.set_fixed_time(clock)
    page.goto(live_url + "/")
    log_in(page, page.get_by_role("navigation", name=fr("Main menu")), user)
    url = reverse("advisors:calendar") + (f"?week={week.isoformat()}" if week else "")
    page.goto(live_url + url)
    expect(page.locator(".fc-timegrid")).to_be_visible()
    expect(page.locator(".cal-appointment").first).to_be_visible()
    return context, page, problems


def event_times(page) -> list[str]:
    return [t.strip() for t in page.locator(".cal-appointment .fc-event-time").all_inner_texts()]


def column_of(page) -> str:
    """The date of the column the first appointment sits in, as FullCalendar set it."""
    return page.locator(".cal-appointment").first.evaluate(
        "el => el.closest('td.fc-timegrid-col').getAttribute('data-date')"
    )


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Vancouver"])
def test_the_calendar_shows_quebec_times_in_any_browser_zone(browser, live_url, calendar, zone):
    context, page, problems = open_calendar(browser, live_url, calendar.advisor_a.user, zone=zone)
    assert event_times(page) == ["8 h 30 – 9 h 30"]
    # Drawn in the 8 h 30 row of Tuesday's column, not five hours later or on another day.
    assert column_of(page) == calendar.tuesday.isoformat()
    row = page.locator('td.fc-timegrid-slot-lane[data-time="08:30:00"]').bounding_box()
    box = page.locator(".cal-appointment").first.bounding_box()
    assert abs(box["y"] - row["y"]) < 3, (box, row)
    expect(page.locator("[data-calendar-zone]")).to_have_text(
        fr("Time zone: %(zone)s (that of your service point).") % {"zone": fr("Eastern time")}
    )
    problems.assert_clean()
    context.close()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
@pytest.mark.parametrize(
    ("week", "days"),
    [
        (date(2027, 3, 8), [BEFORE_SPRING]),  # the week that ends on the spring change
        (date(2027, 3, 15), [AFTER_SPRING]),
        (date(2027, 11, 1), [BEFORE_FALL]),  # the week that ends on the fall change
        (date(2027, 11, 8), [AFTER_FALL]),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_dst_changes(browser, live_url, calendar, zone, week, days):
    # Paris changes its clocks two weeks after Québec in spring and a week before in fall: a
    # browser doing the arithmetic in its own zone would be off by 5, 6 or 4 hours.
    context, page, problems = open_calendar(browser, live_url, calendar.advisor_a.user, zone=zone, week=week)
    assert event_times(page) == ["9 h – 10 h"] * len(days)
    assert column_of(page) == days[0].isoformat()
    problems.assert_clean()
    context.close()


def test_today_is_the_advisers_today(browser, live_url, calendar):
    # Tuesday 23 h 30 in Québec is already Wednesday 4 h 30 in UTC: the calendar's today is Tuesday.
    late = datetime.combine(calendar.tuesday, time(23, 30), tzinfo=EASTERN)
    context, page, problems = open_calendar(
        browser, live_url, calendar.advisor_a.user, zone="UTC", clock=late.astimezone(UTC)
    )
    today = page.locator("th.fc-day-today").get_attribute("data-date")
    assert today == calendar.tuesday.isoformat()
    problems.assert_clean()
    context.close()


def test_an_islands_adviser_sees_atlantic_time(browser, live_url, calendar):
    region = factories.RegionFactory(code="11", name_fr="Gaspésie–Îles-de-la-Madeleine")
    iles = factories.MunicipalityFactory(
        code="01023",
        name="Les Îles-de-la-Madeleine",
        mrc=factories.MrcFactory(
            code="01", name="Communauté maritime des Îles-de-la-Madeleine", region=region
        ),
        region=region,
        time_zone="America/Halifax",
    )
    point = factories.ServicePointFactory(code="iles", municipality=iles)
    advisor = factories.AdvisorFactory(home_service_point=point, knows=[calendar.topic])
    advisor.user.set_password(PASSWORD)
    advisor.user.save()
    employer = factories.EmployerProfileFactory(company__legal_name="Pêcheries des Îles inc.")
    appointment(calendar, advisor, employer, calendar.tuesday, time(8, 30), ATLANTIC, Mode.SERVICE_POINT)
    context, page, problems = open_calendar(browser, live_url, advisor.user, zone="America/Toronto")
    assert event_times(page) == ["8 h 30 – 9 h 30"]
    expect(page.locator("[data-calendar-zone]")).to_have_text(
        fr("Time zone: %(zone)s (that of your service point).") % {"zone": fr("Atlantic time")}
    )
    # The list without JavaScript is in the adviser's zone too.
    assert "8 h 30–9 h 30" in page.locator("[data-calendar-fallback]").text_content()
    problems.assert_clean()
    context.close()
