"""What the browser journeys share: French as the pages show it, an open week, signing in and out."""

from datetime import datetime, time

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from advisors.models import WeeklyAvailability
from tests.inputs import PASSWORD


def fr(message, context: str | None = None) -> str:
    """`message` as the French pages show it (the English text while it is untranslated).

    The test reads the same compiled catalogue as the live server, in the same process.
    """
    with translation.override("fr-ca"):
        if isinstance(message, Promise):  # a lazy label, e.g. Appointment.Status.CONFIRMED.label
            return str(message)
        return pgettext(context, message) if context else gettext(message)


def open_week(advisor) -> None:
    """Mon–Fri 8:30–12:00 and 13:00–16:30 at the adviser's home service point."""
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(
            advisor=advisor,
            weekday=weekday,
            start_time=start,
            end_time=end,
            service_point=advisor.home_service_point,
        )
        for weekday in range(5)
        for start, end in ((time(8, 30), time(12, 0)), (time(13, 0), time(16, 30)))
    )


def proposed_at(checkbox_value: str) -> datetime:
    """'12|3|2026-11-26T14:30:00Z' (adviser|service point|UTC start) → the aware start."""
    return datetime.fromisoformat(checkbox_value.rsplit("|", 1)[1].replace("Z", "+00:00"))


def log_in(page, nav, user) -> None:
    nav.get_by_role("link", name=fr("Log in")).click()
    page.get_by_label(fr("Email address"), exact=True).fill(user.email)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=fr("Log in")).click()
    expect(nav.get_by_role("button", name=fr("Log out"))).to_be_visible()


def log_out(nav) -> None:
    nav.get_by_role("button", name=fr("Log out")).click()
    expect(nav.get_by_role("link", name=fr("Log in"))).to_be_visible()
