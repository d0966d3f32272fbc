"""A group information session in Chromium: the adviser schedules it, two employers register, the
first cancels, the waitlisted one is offered the seats by email and takes them, the adviser marks
attendance, the manager sees the attendance rate."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from group_sessions.models import GroupSession, Registration
from tests import factories
from tests.browser.helpers import fr, log_in, log_out
from tests.inputs import PASSWORD


@pytest.fixture
def scene(transactional_db, celery_eager):
    network = factories.small_network()
    factories.LanguageFactory(code="fr", name_fr="Français", name_en="French")
    for user in (network.advisor_a.user, network.directorate_a.manager):
        user.set_password(PASSWORD)
        user.save()
    employers = []
    for email, name in (
        ("a@fromagerie.example", "Fromagerie Lavoie inc."),
        ("b@scierie.example", "Scierie du Lac inc."),
    ):
        user = factories.UserFactory(email=email, password=PASSWORD)
        factories.EmployerProfileFactory(
            user=user, company__legal_name=name, company__municipality=network.municipality_a
        )
        employers.append(user)
    return network, *employers


def register(page, session_url, people, *, waitlist=False):
    page.goto(session_url)
    for n, (name, email) in enumerate(people):
        group = page.get_by_role("group", name=fr("Participant %(n)s") % {"n": n + 1})
        group.get_by_label(fr("Name"), exact=True).fill(name)
        group.get_by_label(fr("Email"), exact=True).fill(email)
    if waitlist:
        page.get_by_label(fr("If the session is full, put us on the waitlist")).check()
    page.get_by_role("button", name=fr("Register")).click()


def test_an_information_session_from_scheduling_to_the_attendance_rate(page, browser_context, scene):
    network, employer_a, employer_b = scene
    problems = browser_context.problems
    day = timezone.localdate() + timedelta(days=10)

    # The adviser schedules a video session of 2 seats.
    page.goto("/")
    nav = page.get_by_role("navigation", name=fr("Main menu"))
    log_in(page, nav, network.advisor_a.user)
    nav.get_by_role("link", name=fr("Information sessions")).click()
    page.get_by_role("link", name=fr("Schedule a session")).click()
    page.get_by_label(fr("Topic")).select_option(label=network.topic.name_fr)
    page.get_by_label(fr("Language")).select_option(label="Français")
    page.get_by_label(fr("By video")).check()
    page.get_by_label(fr("Date")).fill(day.isoformat())
    page.get_by_label(fr("Start time")).fill("18:00")
    page.get_by_label(fr("Capacity (seats)")).fill("2")
    page.get_by_label(fr("Participants per company, at most")).fill("2")
    page.get_by_role("button", name=fr("Schedule"), exact=True).click()
    expect(page.locator("#messages")).to_contain_text(fr("The session is scheduled."))
    session = GroupSession.objects.get()
    session_url = f"/seances-information/{session.uid}/"
    log_out(nav)

    # Employer A takes both seats; employer B joins the waitlist.
    log_in(page, nav, employer_a)
    register(
        page,
        session_url,
        [("Aline Lavoie", "aline@fromagerie.example"), ("Marc Roy", "marc@fromagerie.example")],
    )
    expect(page.locator("#messages")).to_contain_text(
        fr("You are registered. A confirmation was emailed to each participant.")
    )
    a_manage = page.url
    log_out(nav)
    log_in(page, nav, employer_b)
    register(page, session_url, [("Bruno Caron", "bruno@scierie.example")], waitlist=True)
    expect(page.locator("#messages")).to_contain_text(
        fr("The session is full: your company is on the waitlist.")
    )
    log_out(nav)

    # Employer A cancels by the signed link; B is offered the seat by email and takes it.
    mail.outbox.clear()
    page.goto(a_manage)
    page.get_by_role("link", name=fr("Cancel the registration")).click()
    page.get_by_role("button", name=fr("Cancel the registration")).click()
    expect(page.locator("#messages")).to_contain_text(
        fr("Your registration is cancelled. Each participant was told.")
    )
    offer = next(m for m in mail.outbox if m.to == [employer_b.email])
    link = re.search(r"https?://\S+/inscription/\S+/", offer.body).group(0)
    page.goto(link)
    page.get_by_role("button", name=fr("Take the seats")).click()
    expect(page.locator("#messages")).to_contain_text(fr("The seats are yours: you are registered."))
    assert Registration.objects.get(company=employer_b.employer_profile.company).status == "confirmed"

    # The session took place: the adviser marks attendance.
    start = timezone.now() - timedelta(minutes=30)
    GroupSession.objects.filter(pk=session.pk).update(
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        registration_deadline=start - timedelta(hours=1),
    )
    page.goto("/")
    log_in(page, nav, network.advisor_a.user)
    page.goto(f"/seances-information/gestion/{session.uid}/")
    page.get_by_role("group", name=fr("Attendance of %(name)s") % {"name": "Bruno Caron"}).get_by_label(
        fr("Present", "attendance of a participant")
    ).check()
    page.get_by_role("button", name=fr("Save attendance")).click()
    expect(page.locator("#messages")).to_contain_text(fr("Attendance is saved."))
    log_out(nav)

    # The manager sees the rate.
    log_in(page, nav, network.directorate_a.manager)
    nav.get_by_role("link", name=fr("Information sessions")).click()
    page.get_by_role("link", name=fr("Figures")).click()
    expect(page.locator("main")).to_contain_text("100 %")
    problems.assert_clean()
