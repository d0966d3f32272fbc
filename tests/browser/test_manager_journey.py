"""The regional manager's dashboard in Chromium, and a request reassigned from it.

A manager logs in, opens the dashboard of the directorate, narrows it to one service point and
sees the numbers change, downloads the appointments of that point as CSV, then gives an open
request to another adviser of the directorate.

The live server is not time-frozen: the appointments fall in the dashboard's default period
(four weeks either side of today) because they are placed relative to now.

Visible names come from the French catalogue at run time (`fr()`, as in test_booking_journey),
so the test reads what the page shows whether or not a string is translated yet.
"""

import csv
import io
import re
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.text import capfirst

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest, RoutingDecision
from tests import factories
from tests.booking_helpers import open_weekdays
from tests.browser.helpers import fr, log_in
from tests.inputs import PASSWORD

COMPANY = "Boulangerie du Cap inc."
SECOND_OFFICE = "Bureau de Services Québec de Shawinigan"
REASON = "Mme Tremblay est en congé cette semaine."
BOM = b"\xef\xbb\xbf"
# The appointments export's columns, in order (dashboards.export_views.appointment_rows).
CSV_HEADER = (
    "identifier",
    "starts at",
    "ends at",
    "status",
    "mode",
    "topic",
    "adviser",
    "service point",
    "company",
    "NEQ",
    "municipality",
    "administrative region",
    "created",
    "cancellation reason",
)


def label(message: str):
    """A field's label as the page shows it: the French text, then maybe ' (obligatoire)'."""
    return re.compile(rf"^{re.escape(fr(message))}(\s|$)")


@pytest.fixture
def directorate(transactional_db, celery_eager):
    """The Mauricie directorate with two service points (Trois-Rivières, Shawinigan) and an
    adviser at each; 3 appointments this period at Trois-Rivières, 2 at Shawinigan; one open
    request of a Trois-Rivières company routed to the adviser of Trois-Rivières. The manager
    logs in with PASSWORD."""
    network = factories.small_network()
    shawinigan = factories.MunicipalityFactory(
        code="36033",
        name="Shawinigan",
        region=network.region_a,
        latitude=46.56675,
        longitude=-72.74913,
    )
    point_c = factories.ServicePointFactory(
        code="shawinigan", municipality=shawinigan, host_office=SECOND_OFFICE, postal_code="G9N 6V3"
    )
    advisor_c = factories.AdvisorFactory(home_service_point=point_c, knows=[network.topic])
    for advisor in (network.advisor_a, advisor_c):
        open_weekdays(advisor)

    manager = network.directorate_a.manager
    manager.set_password(PASSWORD)
    manager.save()

    employer = factories.UserFactory(email="josee@boulangerie.example", first_name="Josée")
    company = factories.EmployerProfileFactory(
        user=employer, company__legal_name=COMPANY, company__municipality=network.municipality_a
    ).company

    today = timezone.localdate()
    plan = [(network.advisor_a, network.point_a, days) for days in (-6, -2, 3)]
    plan += [(advisor_c, point_c, days) for days in (-5, 4)]
    for advisor, point, days in plan:
        starts_at = timezone.make_aware(datetime.combine(today + timedelta(days=days), time(10, 0)))
        Appointment.objects.create(
            advisor=advisor,
            topic=network.topic,
            mode=Mode.SERVICE_POINT,
            service_point=point,
            company=company,
            booked_by=employer,
            municipality=network.municipality_a,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=network.topic.duration_minutes),
        )

    now = timezone.now()
    consultation = ConsultationRequest.objects.create(
        company=company,
        requested_by=employer,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        municipality=network.municipality_a,
        language="fr",
        message="Nous voulons embaucher deux boulangers de l'étranger.",
        status=ConsultationRequest.Status.ASSIGNED,
        assigned_advisor=network.advisor_a,
        assigned_at=now,
        hops=1,
        due_at=now + timedelta(days=2),
    )
    RoutingDecision.objects.create(
        request=consultation,
        hop=1,
        reason=RoutingDecision.Reason.NEAREST,
        chosen_advisor=network.advisor_a,
    )
    return manager, network, point_c, advisor_c, consultation


def test_manager_filters_exports_and_reassigns(page, browser_context, directorate, live_url):
    manager, network, point_c, advisor_c, consultation = directorate
    problems = browser_context.problems
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    heading = page.get_by_role("heading", level=1)
    appointments_kpi = page.locator("[data-kpi=appointments]")
    open_kpi = page.locator("[data-kpi=open]")
    page.goto("/")

    # 1. The manager logs in and opens the directorate's dashboard from the main menu.
    log_in(page, nav, manager)
    nav.get_by_role("link", name=fr("Dashboard"), exact=True).click()
    expect(heading).to_contain_text(network.directorate_a.name_fr)
    expect(appointments_kpi).to_have_text("5")
    expect(open_kpi).to_have_text("1")

    # 2. Narrow it to the Shawinigan service point: the numbers change.
    service_point = page.get_by_label(label("Service point"))
    expect(service_point.locator("option")).to_have_count(3)  # "All" + the directorate's two points
    service_point.select_option(label=f"Shawinigan – {SECOND_OFFICE}")
    page.get_by_role("button", name=fr("Apply the filters")).click()
    expect(appointments_kpi).to_have_text("2")
    expect(open_kpi).to_have_text("0")  # the open request is with the adviser of Trois-Rivières
    assert parse_qs(urlsplit(page.url).query)["service_point"] == [str(point_c.pk)]
    expect(service_point).to_have_value(str(point_c.pk))  # the form keeps the filter

    # 3. Download the appointments of that point: a UTF-8 file with a BOM, French headers.
    with page.expect_download() as download_info:
        page.get_by_role("button", name=fr("Export the appointments (CSV)")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), "rb") as downloaded:
        content = downloaded.read()
    assert content.startswith(BOM)
    # Excel in French (Canada) reads semicolons: the default on a French page.
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert header == [capfirst(fr(name)) for name in CSV_HEADER]
    assert len(rows) == 2, rows
    expected = Appointment.objects.filter(service_point=point_c).order_by("starts_at")
    assert [row[0] for row in rows] == [str(a.uid) for a in expected]
    for row in rows:
        assert row[6] == advisor_c.user.get_full_name()
        assert row[7] == SECOND_OFFICE
        assert row[8] == COMPANY

    # 4. Open the request from the inbox's directorate table and give it to the Shawinigan adviser.
    requests_link = nav.get_by_role("link", name=fr("Requests"))
    requests_link.click()
    expect(page.get_by_text(fr("Nothing is waiting for you."))).to_be_visible()
    network_table = page.get_by_role("table", name=fr("Requests in your directorate"))
    row = network_table.get_by_role("row").filter(has_text=COMPANY)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(str(network.advisor_a))
    row.get_by_role("link").click()
    expect(heading).to_contain_text(COMPANY)
    assert page.url.endswith(f"/{consultation.uid}/")

    form = page.locator("form").filter(has=page.get_by_role("button", name=fr("Reassign"), exact=True))
    new_adviser = form.get_by_label(label("New adviser"))
    expect(new_adviser.locator("option")).to_have_count(2)  # the empty choice + the one colleague
    # Caseload: no open request, one confirmed appointment still to come (in 4 days).
    new_adviser.select_option(label=fr("%(name)s – open caseload: %(load)s") % {"name": advisor_c, "load": 1})
    form.get_by_label(label("Reason (optional)")).fill(REASON)
    form.get_by_role("button", name=fr("Reassign"), exact=True).click()

    expect(page.get_by_role("status").first).to_contain_text(
        fr("The request is now with %(adviser)s. Both advisers and the employer are told.")
        % {"adviser": advisor_c}
    )
    expect(heading).to_contain_text(COMPANY)
    assert page.url.endswith(f"/{consultation.uid}/")

    consultation.refresh_from_db()
    assert consultation.status == ConsultationRequest.Status.ASSIGNED
    assert consultation.assigned_advisor == advisor_c
    assert consultation.hops == 2
    decision = consultation.decisions.get(hop=2)
    assert (decision.reason, decision.chosen_advisor, decision.note) == (
        RoutingDecision.Reason.REASSIGNED,
        advisor_c,
        REASON,
    )

    # The page shows the new holder: the latest decision and its reason, and the history.
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(fr(RoutingDecision.Reason.REASSIGNED.label))
    expect(summary).to_contain_text(REASON)
    latest = page.locator("section.card").filter(
        has=page.get_by_role("heading", level=3, name=re.compile(re.escape(fr("Hop %(hop)s") % {"hop": 2})))
    )
    expect(latest).to_contain_text(str(advisor_c))
    # No one else to reassign to but the previous adviser now.
    expect(form.get_by_label(label("New adviser")).locator("option")).to_have_count(2)
    expect(form.get_by_label(label("New adviser"))).to_contain_text(str(network.advisor_a))

    # The directorate's table says who holds it.
    nav.get_by_role("link", name=fr("Requests")).click()
    expect(network_table.get_by_role("row").filter(has_text=COMPANY)).to_contain_text(str(advisor_c))

    # The new adviser, the previous one and the employer are told.
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(
        [advisor_c.user.email, network.advisor_a.user.email, "josee@boulangerie.example"]
    )

    problems.assert_clean()
