"""An employer signs up in Chromium, follows the emailed verification link, describes the company,
books a consultation, then moves and cancels it from the emailed link.

Visible names come from the French catalogue at run time (`fr()`), so the test reads what the
page shows whether or not a string is translated yet.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import icalendar
import pytest
from django.core import mail

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from accounts.models import User
from appointments import links
from appointments.models import Appointment, Mode
from tests import factories
from tests.browser.helpers import fr, open_week
from tests.inputs import PASSWORD

SCREENSHOTS = Path("/tmp")  # not committed: for a person to look at the phone layout


@pytest.fixture
def open_network(transactional_db):
    """The small network, both advisers open Monday to Friday; nobody has an account yet."""
    network = factories.small_network()
    for advisor in (network.advisor_a, network.advisor_b):
        open_week(advisor)
    return network


@pytest.fixture
def employer(open_network):
    network = open_network
    user = factories.UserFactory(email="josee@boulangerie.example", first_name="Josée", password=PASSWORD)
    factories.EmployerProfileFactory(
        user=user,
        company__legal_name="Boulangerie du Cap inc.",
        company__municipality=network.municipality_a,
    )
    return user, network


def calendar_of(message) -> icalendar.Calendar:
    files = [a for a in message.attachments if a[0].endswith(".ics")]
    assert len(files) == 1, f"one .ics expected, got {[a[0] for a in message.attachments]}"
    filename, content, mimetype = files[0]
    assert mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def event_of(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def manage_link(message, origin: str) -> str:
    found = re.findall(rf"{re.escape(origin)}/\S+", message.body)
    assert len(found) == 1, message.body
    return found[0]


def opened(link: str) -> Appointment | None:
    """The appointment an emailed manage link opens."""
    token = urlsplit(link).path.rstrip("/").rsplit("/", 1)[1]
    return links.appointment_for_token(token)


def slot_time(label: str) -> str:
    """'8 h 30 – lundi 4 mai, …' → '8 h 30' (the visible part of a slot's accessible name)."""
    return label.split("–")[0].strip()


def label(message: str):
    """A field's label as the page shows it: the French text, then maybe ' (obligatoire)'."""
    return re.compile(rf"^{re.escape(fr(message))}(\s|$)")


def test_sign_up_book_reschedule_and_cancel_from_the_email(
    page, browser_context, open_network, live_url, celery_eager
):
    network = open_network
    problems = browser_context.problems
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    heading = page.get_by_role("heading", level=1)

    # 1. Sign up (allauth): no session until the emailed link is followed.
    page.goto("/")
    nav.get_by_role("link", name=fr("Create an account")).click()
    page.get_by_label(fr("Email address"), exact=True).fill("Josee@Boulangerie.example")
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(fr("Password (again)"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=fr("Create the account")).click()
    expect(nav.get_by_role("link", name=fr("Log in"))).to_be_visible()
    user = User.objects.get(email="josee@boulangerie.example")
    assert user.language == "fr-ca"  # the language the visitor was using

    (verification,) = mail.outbox
    assert verification.to == [user.email]
    assert "example.com" not in verification.body
    assert fr("Regional immigration advisers") in verification.body
    # Behind the production proxy the link is https; the live server speaks http: keep the path.
    verify_link = re.search(r"https?://[^/\s]+(/\S*confirm-email/\S+/)", verification.body)
    assert verify_link, verification.body
    mail.outbox.clear()
    page.goto(verify_link.group(1))
    page.get_by_role("button", name=fr("Confirm")).click()
    # Logged in by the confirmation; with no company yet, "My space" asks for the profile.
    expect(nav.get_by_role("button", name=fr("Log out"))).to_be_visible()
    expect(heading).to_have_text(fr("Describe your company"))
    assert user.emailaddress_set.get().verified

    # 2. The company profile.
    page.get_by_label(label("First name")).fill("Josée")
    page.get_by_label(label("Last name")).fill("Gagnon")
    page.get_by_label(label("Legal name of the company")).fill("Boulangerie du Cap inc.")
    page.get_by_label(label("Québec enterprise number (NEQ)")).fill("1143 123 456")
    page.get_by_label(label("Sector")).select_option("44")
    page.get_by_label(label("Number of employees")).select_option("5-19")
    page.get_by_label(label("Civic address")).fill("12, rue des Forges")
    page.get_by_label(label("Postal code")).fill("g9a2g4")
    page.get_by_label(label("Municipality"), exact=False).first.fill(network.municipality_a.name)
    page.get_by_role("button", name=fr("Save"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(fr("Your company profile is saved."))
    company = User.objects.get(pk=user.pk).employer_profile.company
    assert (company.legal_name, company.neq, company.postal_code) == (
        "Boulangerie du Cap inc.",
        "1143123456",
        "G9A 2G4",
    )
    assert company.municipality == network.municipality_a

    # The site's own CSS is served (WhiteNoise, hashed names) and applied.
    assert any(p.startswith("/static/css/site.") for p in problems.static_ok), problems.static_ok
    assert "Open Sans" in page.evaluate("getComputedStyle(document.body).fontFamily")

    # 2. Book: topic, mode, the company's municipality (pre-filled), a time, confirm.
    nav.get_by_role("link", name=fr("Book a consultation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Book a consultation"))
    page.get_by_role("radio", name=network.topic.name_fr).check()
    page.get_by_role("radio", name=fr(Mode.SERVICE_POINT.label)).check()
    expect(page.get_by_label(fr("Where is the company?"))).to_have_value("Trois-Rivières")
    page.get_by_role("button", name=fr("See the available times")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Choose a time"))
    # The days with free times first (the first one chosen), each named with its count.
    days = page.locator("ol.day-grid a.day")
    expect(days.first).to_have_attribute("aria-current", "true")
    expect(days.first).to_have_accessible_name(re.compile(r"^\S+ \d+ \S+, \d+ heures? libres?$"))
    # Another day: htmx swaps the picker in place (no new page: the marker stays), the address says
    # which day (Back, bookmarks), and the focus goes to that day's times.
    other_day = days.nth(1).get_attribute("id")
    page.evaluate("() => { window.samePage = true; }")
    days.nth(1).click()
    expect(page.locator(f"#{other_day}")).to_have_attribute("aria-current", "true")
    expect(page.locator("ol.day-grid a.day[aria-current]")).to_have_count(1)
    expect(page.locator("#times-heading")).to_be_focused()
    assert page.evaluate("() => window.samePage === true"), "choosing a day reloaded the page"
    assert f"day={other_day[4:]}" in page.url
    nearest = page.locator("#day-times section.slot-group").first
    expect(nearest.get_by_role("heading", level=3)).to_have_text(str(network.advisor_a))
    first_slot = nearest.locator("a.slot").first
    expect(first_slot).to_be_visible()
    slots_url = page.url
    booked_time = slot_time(first_slot.inner_text())

    # The same results page on a 360 px wide phone: nothing wider than the screen.
    phone = browser_context.new_page()
    phone.set_viewport_size({"width": 360, "height": 780})
    phone.goto(slots_url)
    expect(phone.locator(f"#{other_day}")).to_have_attribute("aria-current", "true")
    expect(phone.locator("a.slot").first).to_be_visible()
    phone.screenshot(path=SCREENSHOTS / "midi-browser-slots-360.png", full_page=True)
    phone.screenshot(path=SCREENSHOTS / "midi-browser-slots-360-first-screen.png")
    overflow = phone.evaluate("document.documentElement.scrollWidth")
    phone.close()
    assert overflow <= 360, f"the slots page is {overflow}px wide on a 360px screen (see {SCREENSHOTS})"

    first_slot.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Confirm the appointment"))
    page.get_by_role("button", name=fr("Confirm the appointment")).click()

    status = page.locator("dl.details .badge")
    expect(status).to_have_text(fr(Appointment.Status.CONFIRMED.label))
    expect(page.get_by_role("status")).to_contain_text(
        fr("Your appointment is booked. A confirmation email is on its way.")
    )
    expect(page.locator("dl.details")).to_contain_text(booked_time)
    appointment = Appointment.objects.get()
    assert (appointment.company, appointment.booked_by, appointment.advisor) == (
        user.employer_profile.company,
        user,
        network.advisor_a,
    )
    assert appointment.mode == Mode.SERVICE_POINT and appointment.service_point == network.point_a
    assert page.url.endswith(f"/{appointment.uid}/")

    # 3. The confirmation email: a calendar file to add (.ics) and a link to manage without logging in.
    assert len(mail.outbox) == 1
    confirmation = mail.outbox[0]
    assert confirmation.to == [user.email]
    first_ics = calendar_of(confirmation)
    assert first_ics["METHOD"] == "PUBLISH"
    uid = str(event_of(first_ics)["UID"])
    assert event_of(first_ics)["SEQUENCE"] == 0
    assert event_of(first_ics).decoded("DTSTART") == appointment.starts_at
    link = manage_link(confirmation, live_url)
    assert opened(link) == appointment

    # 4. Logged out, the emailed link still lets the employer move the appointment.
    nav.get_by_role("button", name=fr("Log out")).click()
    expect(nav.get_by_role("link", name=fr("Log in"))).to_be_visible()
    page.goto(link)
    expect(status).to_have_text(fr(Appointment.Status.CONFIRMED.label))
    expect(page.get_by_role("link", name=fr("Back to my appointments"))).to_have_count(0)
    page.get_by_role("link", name=fr("Choose another time")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Choose another time"))
    new_slot = page.locator("a.slot").first
    new_time = slot_time(new_slot.inner_text())
    new_slot.click()

    # The confirmation step: the appointment now and after; nothing has moved yet.
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Confirm the new time"))
    current = page.get_by_role("region", name=fr("Current appointment"))
    after = page.get_by_role("region", name=fr("After the change"))
    expect(current).to_contain_text(booked_time)
    expect(after).to_contain_text(new_time)
    assert Appointment.objects.get().starts_at == appointment.starts_at and len(mail.outbox) == 1
    page.get_by_role("button", name=fr("Confirm the change")).click()

    expect(page.get_by_role("status")).to_contain_text(
        fr("Your appointment has a new time. An updated calendar file is on its way.")
    )
    expect(status).to_have_text(fr(Appointment.Status.CONFIRMED.label))
    expect(page.locator("dl.details")).to_contain_text(new_time)
    moved = Appointment.objects.get()
    assert moved.starts_at != appointment.starts_at and moved.sequence == 1
    assert page.url == link

    assert len(mail.outbox) == 2
    rescheduled = calendar_of(mail.outbox[1])
    assert rescheduled["METHOD"] == "PUBLISH"
    assert str(event_of(rescheduled)["UID"]) == uid
    assert event_of(rescheduled)["SEQUENCE"] == 1
    assert event_of(rescheduled).decoded("DTSTART") == moved.starts_at
    # A fresh link (the token is timestamped) to the same appointment.
    assert opened(manage_link(mail.outbox[1], live_url)) == moved

    # 5. Cancel from the same link: what is cancelled and what follows, then the confirmation.
    page.get_by_role("link", name=fr("Cancel the appointment")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Cancel the appointment"))
    expect(page.locator("main")).to_contain_text(new_time)
    expect(page.locator("main")).to_contain_text(
        fr("The time is freed at once and offered to other companies.")
    )
    assert Appointment.objects.get().status == Appointment.Status.CONFIRMED
    page.get_by_label(fr("Reason (optional)")).fill("Le poste est comblé.")
    page.get_by_role("button", name=fr("Confirm the cancellation")).click()
    expect(status).to_have_text(fr(Appointment.Status.CANCELLED.label))
    expect(page.get_by_role("status")).to_contain_text(
        fr("Your appointment is cancelled. The time is free for another company.")
    )
    expect(page.get_by_role("link", name=fr("Choose another time"))).to_have_count(0)
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED

    assert len(mail.outbox) == 3
    cancelled = calendar_of(mail.outbox[2])
    assert cancelled["METHOD"] == "CANCEL"
    assert str(event_of(cancelled)["UID"]) == uid
    assert event_of(cancelled)["SEQUENCE"] == 2
    assert event_of(cancelled)["STATUS"] == "CANCELLED"

    problems.assert_clean()
