"""The waitlist in Chromium: employer A cancels an appointment; employer B, waiting for exactly
that kind of time, receives the offer email, follows its link (without signing in) and confirms
within the hold. The time is B's; A's cancellation is final."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from appointments.models import Appointment, Mode
from consultations.models import ConsultationRequest
from core.business_hours import local_zone
from tests import factories
from tests.booking_helpers import book, local
from tests.browser.helpers import fr, log_in, open_week
from tests.inputs import PASSWORD
from waitlist.models import WaitlistEntry


@pytest.fixture
def scene(transactional_db, celery_eager):
    network = factories.small_network()
    open_week(network.advisor_a)
    today = timezone.now().astimezone(local_zone()).date()
    # Wednesday of next week, 10:30: far enough for any notice, inside the horizon.
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7 + 7)
    at = local(wednesday, 10, 30)
    employer_a = factories.UserFactory(email="a@fromagerie.example", first_name="Aline", password=PASSWORD)
    factories.EmployerProfileFactory(user=employer_a, company__municipality=network.municipality_a)
    employer_b = factories.UserFactory(email="b@scierie.example", first_name="Bruno", password=PASSWORD)
    factories.EmployerProfileFactory(
        user=employer_b,
        company__legal_name="Scierie du Lac inc.",
        company__municipality=network.municipality_a,
    )
    appointment = book(network, employer_a, at)
    WaitlistEntry.objects.create(
        company=employer_b.employer_profile.company,
        joined_by=employer_b,
        topic=network.topic,
        mode=Mode.SERVICE_POINT,
        municipality=network.municipality_a,
        weekdays=[2],
        time_of_day=ConsultationRequest.TimeOfDay.MORNING,
        until=wednesday,
    )
    mail.outbox.clear()
    return employer_a, employer_b, appointment


def test_a_cancelled_time_is_offered_to_the_waitlist_and_confirmed(page, browser_context, scene):
    employer_a, employer_b, appointment = scene
    problems = browser_context.problems

    page.goto("/")
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    log_in(page, nav, employer_a)
    nav.get_by_role("link", name=fr("My appointments")).click()
    page.locator(f"a[href$='/{appointment.uid}/']").first.click()
    page.get_by_role("link", name=fr("Cancel the appointment")).click()
    page.get_by_role("button", name=fr("Confirm the cancellation")).click()
    expect(page.locator("#messages")).to_contain_text(
        fr("Your appointment is cancelled. The time is free for another company.")
    )

    offer = next(m for m in mail.outbox if m.to == [employer_b.email])
    link = re.search(r"https?://\S+", offer.body).group(0)
    when = timezone.localtime(appointment.starts_at)
    assert f"{when:%-H} h {when:%M}" in offer.body

    # Employer B, in another browser, not signed in: the link is enough.
    other = browser_context.browser.new_context(
        base_url=page.url.split("/", 3)[0] + "//" + page.url.split("/")[2]
    )
    b_page = other.new_page()
    b_page.goto(link)
    expect(b_page.get_by_role("heading", level=1)).to_have_text(fr("A time is offered to you"))
    expect(b_page.locator("main")).to_contain_text("Scierie du Lac inc.")
    b_page.get_by_role("button", name=fr("Confirm this appointment")).click()
    expect(b_page.locator("#messages")).to_contain_text(
        fr("Your appointment is booked. A confirmation email is on its way.")
    )
    other.close()

    booked = Appointment.objects.get(starts_at=appointment.starts_at, status=Appointment.Status.CONFIRMED)
    assert booked.company == employer_b.employer_profile.company and booked.booked_by == employer_b
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.BOOKED
    assert any(m.to == [employer_b.email] and m.attachments for m in mail.outbox)  # the .ics
    problems.assert_clean()
