"""The adviser's workspace in Chromium, and what the employer sees of it.

An adviser logs in, books a time for the employer from a routed request, marks an earlier
appointment of that company as completed (htmx swaps the action panel in place), adds time off,
and the employer's pages show the change: the new appointment, the earlier one completed, the
request booked.

Visible names come from the French catalogue at run time (`fr()`, as in test_booking_journey),
so the test reads what the page shows whether or not a string is translated yet.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from advisors.models import TimeOff
from appointments.models import Appointment, AppointmentEvent, Mode
from consultations import services as requests
from consultations.models import ConsultationRequest
from core import typography
from tests import factories
from tests.browser.helpers import fr, log_in, log_out, open_week, proposed_at
from tests.inputs import PASSWORD

COMPANY = "Boulangerie du Cap inc."
TIME_OFF_REASON = "Formation à Québec"


def label(message: str):
    """A field's label as the page shows it: the French text, then maybe ' (obligatoire)'."""
    return re.compile(rf"^{re.escape(fr(message))}(\s|$)")


def on_page(when: datetime, fmt: str = "DATETIME_FORMAT") -> str:
    """`when` as the French pages print it (`{{ when|date:fmt }}` in Québec time: core.typography)."""
    with translation.override("fr-ca"):
        return typography.on_the_hour(typography.format_date(timezone.localtime(when), fmt))


def datetime_local(day, at: time) -> str:
    """The value an <input type="datetime-local"> takes."""
    return f"{day:%Y-%m-%d}T{at:%H:%M}"


@pytest.fixture
def workspace(transactional_db, celery_eager):
    """The employer of a company in Trois-Rivières with a consultation held a week ago by the
    adviser of Trois-Rivières (still 'confirmed': nobody recorded the outcome), and a new request
    of that employer, routed (Celery, eager) to the same adviser. Both people log in with PASSWORD."""
    network = factories.small_network()
    for advisor in (network.advisor_a, network.advisor_b):
        open_week(advisor)
    employer = factories.UserFactory(email="josee@boulangerie.example", first_name="Josée", password=PASSWORD)
    profile = factories.EmployerProfileFactory(
        user=employer,
        company__legal_name=COMPANY,
        company__municipality=network.municipality_a,
    )
    adviser = network.advisor_a.user
    adviser.set_password(PASSWORD)
    adviser.save()

    week_ago = timezone.localdate() - timedelta(days=7)
    starts_at = timezone.make_aware(datetime.combine(week_ago, time(10, 0)))
    earlier = Appointment.objects.create(
        advisor=network.advisor_a,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        service_point=network.point_a,
        company=profile.company,
        booked_by=employer,
        municipality=network.municipality_a,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=network.topic.duration_minutes),
    )
    AppointmentEvent.objects.create(
        appointment=earlier,
        action=AppointmentEvent.Action.BOOKED,
        actor=employer,
        at=starts_at - timedelta(days=5),
        starts_at=starts_at,
    )

    consultation = requests.create_request(
        company=profile.company,
        user=employer,
        data=requests.RequestData(
            topic=network.topic,
            mode=Mode.SERVICE_POINT,
            municipality=network.municipality_a,
            language="fr",
            preferred_weekdays=[],
            preferred_time=ConsultationRequest.TimeOfDay.ANY,
            message="Nous voulons embaucher deux boulangers de l'étranger.",
        ),
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.ASSIGNED
    assert consultation.assigned_advisor == network.advisor_a
    mail.outbox.clear()  # the routing email to the adviser: test_request_journey checks it
    return employer, adviser, network, earlier, consultation


def test_adviser_books_completes_and_takes_time_off(page, browser_context, workspace, live_url):
    employer, adviser, network, earlier, consultation = workspace
    problems = browser_context.problems
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    heading = page.get_by_role("heading", level=1)
    page.goto("/")

    # 1. The adviser logs in (allauth), lands on their page, opens the routed request.
    log_in(page, nav, adviser)
    expect(heading).to_contain_text(str(network.advisor_a))
    requests_link = nav.get_by_role("link", name=fr("Requests"))
    expect(requests_link.locator(".badge")).to_have_text("1")
    requests_link.click()
    expect(heading).to_have_text(fr("Requests waiting for your answer"))
    page.get_by_role("link", name=COMPANY).click()
    expect(heading).to_contain_text(COMPANY)

    # 2. Tick one time and book it for the employer.
    first_time = page.get_by_role("checkbox").first
    expect(first_time).to_be_visible()
    first_time.check()
    booked_at = proposed_at(first_time.get_attribute("value"))
    page.get_by_role("button", name=fr("Book the ticked time"), exact=True).click()

    expect(heading).to_have_text(fr("Requests waiting for your answer"))
    expect(page.get_by_role("status").first).to_contain_text(
        fr("The appointment is booked; the employer gets a confirmation.")
    )
    expect(requests_link.locator(".badge")).to_have_count(0)
    expect(page.get_by_text(fr("Nothing is waiting for you."))).to_be_visible()

    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.BOOKED
    booked = consultation.appointment
    assert booked is not None and booked.starts_at == booked_at
    assert booked.status == Appointment.Status.CONFIRMED
    assert (booked.advisor, booked.company, booked.booked_by) == (
        network.advisor_a,
        employer.employer_profile.company,
        employer,
    )
    assert booked.events.get().actor == adviser  # the audit trail names who really booked
    assert [m.to for m in mail.outbox] == [[employer.email]]

    # 3. From their page, the new appointment; from its company history, the earlier one.
    nav.get_by_role("link", name=fr("My space")).click()
    upcoming = page.get_by_role("table", name=fr("My upcoming appointments"))
    expect(upcoming).to_contain_text(on_page(booked.starts_at, "WEEKDAY_DATE_FORMAT"))
    upcoming.get_by_role("link", name=COMPANY).click()
    assert page.url.endswith(f"/{booked.uid}/")
    panel = page.locator("#appointment-panel")
    expect(panel.locator("dl.details .badge")).to_have_text(fr(Appointment.Status.CONFIRMED.label))
    expect(panel.get_by_role("button", name=fr("Mark completed"), exact=True)).to_have_count(0)  # not started

    history = page.get_by_role("table", name=fr("The company's consultations"))
    expect(history.get_by_role("row")).to_have_count(2)  # header + the earlier consultation
    history.get_by_role("link").click()
    assert page.url.endswith(f"/{earlier.uid}/")
    expect(panel.locator("dl.details .badge")).to_have_text(fr(Appointment.Status.CONFIRMED.label))

    # 4. Mark it completed: htmx swaps the panel, the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")
    panel.get_by_role("button", name=fr("Mark completed"), exact=True).click()
    expect(panel.get_by_role("status")).to_contain_text(fr("Marked completed."))
    expect(panel.locator("dl.details .badge")).to_have_text(fr(Appointment.Status.COMPLETED.label))
    expect(page.get_by_role("heading", level=2, name=fr("History of this appointment"))).to_be_visible()
    timeline = panel.locator("ol.timeline")
    expect(timeline.get_by_role("listitem")).to_have_count(2)
    expect(timeline.get_by_role("listitem").last).to_contain_text(fr(AppointmentEvent.Action.COMPLETED.label))
    expect(panel.get_by_role("button", name=fr("Mark completed"), exact=True)).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded instead of an htmx swap"

    earlier.refresh_from_db()
    assert earlier.status == Appointment.Status.COMPLETED
    assert earlier.events.latest("at").actor == adviser
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [employer.email]  # "consultation held"

    # 5. Time off two weeks after the booked appointment: it hides nothing booked.
    nav.get_by_role("link", name=fr("My space")).click()
    page.get_by_role("link", name=fr("Edit my availability and time off")).click()
    expect(heading).to_have_text(fr("My availability"))
    time_off = page.locator("#time-off")
    expect(time_off).to_contain_text(fr("No time off planned."))
    form = page.locator("form").filter(has=page.get_by_role("heading", name=fr("Add time off")))
    first_day = timezone.localdate(booked.starts_at) + timedelta(days=14)
    form.get_by_label(label("From")).fill(datetime_local(first_day, time(8, 0)))
    form.get_by_label(label("To")).fill(datetime_local(first_day + timedelta(days=1), time(17, 0)))
    form.get_by_label(label("Reason (optional)")).fill(TIME_OFF_REASON)
    form.get_by_role("button", name=fr("Add"), exact=True).click()

    # The form posts with htmx, which follows the redirect and swaps #availability; the flash
    # message comes along out of band into the page's live region.
    expect(page.locator("#messages")).to_contain_text(fr("The time off is saved."))
    expect(time_off.get_by_role("listitem")).to_have_count(1)
    (saved,) = TimeOff.objects.filter(advisor=network.advisor_a)
    assert timezone.localtime(saved.starts_at) == timezone.make_aware(datetime.combine(first_day, time(8, 0)))
    assert timezone.localtime(saved.ends_at) == timezone.make_aware(
        datetime.combine(first_day + timedelta(days=1), time(17, 0))
    )
    expect(time_off.get_by_role("listitem")).to_contain_text(TIME_OFF_REASON)
    expect(time_off.get_by_role("listitem")).to_contain_text(on_page(saved.starts_at))
    expect(time_off.get_by_role("listitem")).to_contain_text(on_page(saved.ends_at))
    expect(page.get_by_role("alert")).to_have_count(0)  # nothing hidden, no error
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    assert len(mail.outbox) == 2

    # 6. The employer sees the booked appointment, the earlier one completed, the request booked.
    log_out(nav)
    log_in(page, nav, employer)
    nav.get_by_role("link", name=fr("My appointments")).click()
    expect(heading).to_have_text(fr("My appointments"))
    coming = page.get_by_role("table", name=fr("Upcoming appointments"))
    expect(coming.get_by_role("row")).to_have_count(2)
    coming_row = coming.get_by_role("row").nth(1)
    expect(coming_row).to_contain_text(on_page(booked.starts_at, "DATE_FORMAT"))
    expect(coming_row.locator(".badge")).to_have_text(fr(Appointment.Status.CONFIRMED.label))
    past = page.get_by_role("table", name=fr("Past appointments"))
    expect(past.get_by_role("row")).to_have_count(2)
    past_row = past.get_by_role("row").nth(1)
    expect(past_row).to_contain_text(on_page(earlier.starts_at, "DATE_FORMAT"))
    expect(past_row.locator(".badge")).to_have_text(fr(Appointment.Status.COMPLETED.label))

    nav.get_by_role("link", name=fr("My requests")).click()
    expect(heading).to_have_text(fr("My requests"))
    row = page.get_by_role("row").filter(has_text=network.topic.name_fr)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(fr(ConsultationRequest.Status.BOOKED.label))

    problems.assert_clean()
