"""An offer holds its time for WAITLIST_HOLD_MINUTES of business hours (core.business_hours:
Monday–Friday, 8:30–16:30 by default, Québec holidays excluded), not of clock time: an offer
emailed at 22:22 is not gone by 0:22, and one made on Friday evening lasts until Monday morning."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from appointments import services
from appointments.models import Mode, TimeOfDay
from core.business_hours import is_holiday
from tests.booking_helpers import book, local_datetime
from tests.factories import EmployerProfileFactory
from waitlist import services as waitlist
from waitlist.models import SlotHold, WaitlistEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commits_at_once")]


def waiting_company(network):
    """A company in line for any time of the network's topic at adviser A's point."""
    user = EmployerProfileFactory(company__municipality=network.municipality_a).user
    waitlist.join(
        company=user.employer_profile.company,
        user=user,
        data=waitlist.WaitlistData(
            topic=network.topic,
            mode=Mode.SERVICE_POINT,
            municipality=network.municipality_a,
            max_distance_km=50,
            language="",
            weekdays=[],
            time_of_day=TimeOfDay.ANY,
            until=None,
        ),
    )
    return user


def offer_at(network, moment) -> SlotHold:
    """Adviser A's free times are offered to the line at `moment` (the clock stopped there)."""
    with time_machine.travel(moment, tick=False):
        (hold,) = waitlist.offer_freed_time(advisor_id=network.advisor_a.pk)
    return hold


@pytest.mark.parametrize(
    ("offered_at", "held_until"),
    [
        # During business hours: two hours of clock time, as before.
        (local_datetime(2026, 11, 23, 10, 0), local_datetime(2026, 11, 23, 12, 0)),
        # A weekday evening (Tuesday 22:22): two hours from Wednesday's opening at 8:30.
        (local_datetime(2026, 11, 24, 22, 22), local_datetime(2026, 11, 25, 10, 30)),
        # Before opening: the hours start at 8:30.
        (local_datetime(2026, 11, 24, 6, 45), local_datetime(2026, 11, 24, 10, 30)),
        # Friday evening: the weekend does not count.
        (local_datetime(2026, 11, 27, 18, 5), local_datetime(2026, 11, 30, 10, 30)),
        # Saturday: the same Monday morning.
        (local_datetime(2026, 11, 28, 11, 0), local_datetime(2026, 11, 30, 10, 30)),
        # Exactly at closing (16:30): nothing is left that day.
        (local_datetime(2026, 11, 24, 16, 30), local_datetime(2026, 11, 25, 10, 30)),
        # Two hours before closing: the deadline is closing time, that day.
        (local_datetime(2026, 11, 24, 14, 30), local_datetime(2026, 11, 24, 16, 30)),
        # Half an hour before closing on Thursday 24 December: Christmas (Friday) and the weekend
        # do not count; the remaining 1 h 30 runs on Monday 28 December.
        (local_datetime(2026, 12, 24, 16, 0), local_datetime(2026, 12, 28, 10, 0)),
        # The Fête nationale (Thursday 24 June 2027), a Québec holiday: on to Friday.
        (local_datetime(2027, 6, 23, 16, 0), local_datetime(2027, 6, 25, 10, 0)),
    ],
    ids=[
        "business-hours",
        "weekday-evening",
        "early-morning",
        "friday-evening",
        "weekend",
        "exactly-at-closing",
        "ends-at-closing",
        "christmas",
        "fete-nationale",
    ],
)
def test_an_offer_is_held_for_two_business_hours(bookable, offered_at, held_until):
    waiting_company(bookable)
    hold = offer_at(bookable, offered_at)
    assert hold.expires_at == held_until
    assert hold.created_at == offered_at
    # Offered only a time that can still be booked when the hold ends (one business day of
    # notice counted from then), so the offer can be confirmed until its last minute.
    assert hold.starts_at >= held_until + timedelta(days=1)


def test_the_holidays_the_holds_skip_are_quebec_ones():
    assert is_holiday(local_datetime(2026, 12, 25, 12, 0).date())
    assert is_holiday(local_datetime(2027, 6, 24, 12, 0).date())
    assert not is_holiday(local_datetime(2026, 12, 24, 12, 0).date())
    assert not is_holiday(local_datetime(2027, 6, 23, 12, 0).date())


def test_the_hold_length_stays_a_setting(bookable, settings):
    settings.WAITLIST_HOLD_MINUTES = 45
    waiting_company(bookable)
    # Tuesday 16:00: 30 minutes that day, 15 on Wednesday from 8:30.
    hold = offer_at(bookable, local_datetime(2026, 11, 24, 16, 0))
    assert hold.expires_at == local_datetime(2026, 11, 25, 8, 45)


def test_the_beat_lapses_a_hold_at_its_business_hours_deadline_not_before(bookable):
    waiting_company(bookable)
    hold = offer_at(bookable, local_datetime(2026, 11, 24, 22, 22))  # Tuesday evening
    assert hold.expires_at == local_datetime(2026, 11, 25, 10, 30)
    other = EmployerProfileFactory(company__municipality=bookable.municipality_a).user

    # 0:22, when a two-hour hold used to end, and every moment up to 10:30 on Wednesday: the
    # time is still held, and nobody else can book it.
    for moment in (
        local_datetime(2026, 11, 25, 0, 22),
        local_datetime(2026, 11, 25, 8, 30),
        local_datetime(2026, 11, 25, 10, 29, 59),
    ):
        with time_machine.travel(moment, tick=False):
            assert waitlist.expire_holds() == 0
            assert waitlist.is_open(SlotHold.objects.get(pk=hold.pk))
            with pytest.raises(services.BookingError) as taken:
                book(bookable, other, hold.starts_at)
            assert taken.value.code == services.SLOT_TAKEN

    # 10:30: the beat lapses it; the entry waits again, and the time is offered anew.
    with time_machine.travel(local_datetime(2026, 11, 25, 10, 30), tick=False):
        assert waitlist.expire_holds() == 1
    hold.refresh_from_db()
    assert hold.status == SlotHold.Status.LAPSED
    assert hold.closed_at == local_datetime(2026, 11, 25, 10, 30)
    assert hold.entry.status == WaitlistEntry.Status.WAITING


def test_an_offer_made_on_friday_evening_can_be_confirmed_on_monday_morning(bookable):
    user = waiting_company(bookable)
    hold = offer_at(bookable, local_datetime(2026, 11, 27, 18, 5))
    with time_machine.travel(local_datetime(2026, 11, 30, 10, 29), tick=False):
        appointment = waitlist.confirm(hold=hold, by=None)
    assert appointment.starts_at == hold.starts_at
    assert appointment.company == user.employer_profile.company
    assert SlotHold.objects.get(pk=hold.pk).status == SlotHold.Status.CONFIRMED


def test_the_email_and_the_offer_page_say_until_when_in_quebec_time(bookable, settings):
    settings.SITE_URL = "http://testserver"
    user = waiting_company(bookable)
    mail.outbox.clear()
    hold = offer_at(bookable, local_datetime(2026, 11, 27, 18, 5))  # Friday evening

    (email,) = [m for m in mail.outbox if m.to == [user.email]]
    until = "jusqu’au lundi 30 novembre à 10 h 30"
    assert until in email.body
    assert until in email.alternatives[0][0]
    link = re.search(r"https?://\S+/offre/\S+/", email.body).group(0).removeprefix("http://testserver")
    with translation.override("en"):
        english_link = reverse("appointments:offer", args=[waitlist.offer_token(hold)])
    with translation.override("fr-ca"):
        list_url = reverse("appointments:waitlist")
    employer = Client()
    employer.force_login(user)
    with time_machine.travel(local_datetime(2026, 11, 28, 9, 0), tick=False):  # Saturday
        page = Client().get(link)
        english = Client().get(english_link)
        listing = employer.get(list_url)
    assert page.status_code == english.status_code == listing.status_code == 200
    assert f"{until}. Ensuite" in page.content.decode()  # Eastern time: written bare (issue 27)
    assert "until Monday, November 30 at 10:30 a.m." in english.content.decode()
    assert until in listing.content.decode()
