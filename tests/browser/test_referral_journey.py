"""A referral in Chromium: a Services Québec business adviser refers a company, the adviser
accepts it and books, the company's contact claims the account and finds the appointment, and
the partner sees "meeting held" once the adviser marks it held.

Visible names come from the French catalogue at run time (`fr()`), as in the other journeys.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from appointments.models import Appointment, AppointmentEvent
from consultations.models import ConsultationRequest, RoutingDecision
from referrals.models import Referral
from tests import factories
from tests.browser.helpers import fr, log_in, log_out, open_week
from tests.inputs import PASSWORD

COMPANY = "Boulangerie l’Épi d’or inc."
CONTACT = "m.gervais@epidor.example"


@pytest.fixture
def people(transactional_db):
    """A Services Québec business adviser and the adviser of Trois-Rivières, both with PASSWORD."""
    network = factories.small_network()
    for advisor in (network.advisor_a, network.advisor_b):
        open_week(advisor)
    partner = factories.partner(
        organisation="Services Québec",
        office="Bureau de Services Québec de Trois-Rivières",
        municipality=network.municipality_a,
        email="marc.bergeron@servicesquebec.example",
        first_name="Marc",
        last_name="Bergeron",
        password=PASSWORD,
    )
    adviser = network.advisor_a.user
    adviser.set_password(PASSWORD)
    adviser.save()
    return partner, adviser, network


def test_referred_booked_claimed_and_held(page, browser_context, people, live_url, celery_eager):
    partner, adviser, network = people
    problems = browser_context.problems
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    page.goto("/")

    # 1. The partner refers a company they advise, with its consent.
    log_in(page, nav, partner)
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("My referrals"))
    nav.get_by_role("link", name=fr("Refer a company")).click()
    page.get_by_role("textbox", name=fr("Company name")).fill(COMPANY)
    page.get_by_role("textbox", name=fr("Québec enterprise number (NEQ)")).fill("1178-456-321")
    page.get_by_role("combobox", name=fr("Municipality of the company")).or_(
        page.get_by_role("textbox", name=fr("Municipality of the company"))
    ).fill("Trois-Rivières")
    page.get_by_text(fr("A company not known yet: its sector, size and address")).click()
    page.get_by_role("combobox", name=fr("Sector")).select_option("31")
    page.get_by_role("combobox", name=fr("Number of employees")).select_option("5-19")
    page.get_by_role("textbox", name=fr("Civic address")).fill("125, rue des Forges")
    page.get_by_role("textbox", name=fr("Postal code")).fill("G9A 2G8")
    page.locator("#id_contact_name").fill("Mélanie Gervais")
    page.get_by_role("textbox", name=fr("Contact's email address")).fill(CONTACT)
    page.get_by_role("textbox", name=fr("Contact's telephone")).fill("819 555-0142")
    page.get_by_role("radio", name=network.topic.name_fr).check()
    page.get_by_role("radio", name=fr("At a service point")).check()
    page.get_by_role("textbox", name=fr("The company's need")).fill("Trois boulangers à recruter au Maroc.")
    page.get_by_role(
        "checkbox", name=fr("The company consents to be contacted by a regional immigration adviser")
    ).check()
    page.get_by_role("textbox", name=fr("Consent given by")).fill("Mélanie Gervais, propriétaire")
    page.get_by_role("combobox", name=fr("Consent given how")).select_option("phone")
    page.get_by_role("button", name=fr("Send the referral")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(COMPANY)
    expect(page.get_by_role("status")).to_contain_text(fr("Thank you: the referral is sent."))
    expect(page.locator("dl.summary")).to_contain_text(fr("Received", "referral status"))
    referral = Referral.objects.get()
    request = referral.request
    assert request.assigned_advisor == network.advisor_a
    assert RoutingDecision.objects.get(request=request).reason == RoutingDecision.Reason.REFERRAL
    log_out(nav)

    # 2. The adviser sees who referred the company, and books a time for it.
    log_in(page, nav, adviser)
    nav.get_by_role("link", name=fr("Requests")).click()
    page.get_by_role("link", name=COMPANY).click()
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(fr("Referred by"))
    expect(summary).to_contain_text("Services Québec")
    expect(summary).to_contain_text(fr("Referral from a partner organisation: nearest qualified adviser"))
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name=fr("Book the ticked time")).click()
    expect(page.get_by_role("status")).to_contain_text(
        fr("The appointment is booked; the employer gets a confirmation.")
    )
    request.refresh_from_db()
    appointment = request.appointment
    assert appointment.booked_by == referral.contact_user
    log_out(nav)

    # 3. The contact claims the account from the emailed link and finds the appointment.
    invitation = next(m for m in mail.outbox if m.to == [CONTACT] and "/recommandations/" in m.body)
    link = re.search(r"https?://\S+/recommandations/compte/\S+/", invitation.body).group(0)
    page.goto(link)
    page.locator("#id_password1").fill("Boulangers-2026!")
    page.locator("#id_password2").fill("Boulangers-2026!")
    page.get_by_role("button", name=fr("Use my account")).click()
    expect(nav.get_by_role("button", name=fr("Log out"))).to_be_visible()
    nav.get_by_role("link", name=fr("My appointments")).click()
    expect(page.get_by_role("main")).to_contain_text(network.topic.name_fr)
    assert [m for m in mail.outbox if m.to == [CONTACT] and m.attachments], "the confirmation with its .ics"
    log_out(nav)

    # 4. The meeting takes place (moved into the past), and the adviser marks it held.
    started = timezone.now() - timedelta(hours=2)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=started, ends_at=started + timedelta(minutes=network.topic.duration_minutes)
    )
    log_in(page, nav, adviser)
    page.goto(reverse("advisors:appointment", kwargs={"uid": appointment.uid}))
    panel = page.locator("#appointment-panel")
    panel.get_by_role("button", name=fr("Mark completed"), exact=True).click()
    expect(panel.get_by_role("status")).to_contain_text(fr("Marked completed."))
    assert AppointmentEvent.objects.filter(appointment=appointment, action="completed").exists()
    log_out(nav)

    # 5. The partner sees "meeting held", and was told by email.
    log_in(page, nav, partner)
    row = page.get_by_role("row").filter(has_text=COMPANY)
    expect(row).to_contain_text(fr("Meeting held", "referral status"))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.MEETING_HELD
    assert [m for m in mail.outbox if m.to == [partner.email]]
    assert ConsultationRequest.objects.count() == 1
    problems.assert_clean()
