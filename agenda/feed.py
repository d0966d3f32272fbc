"""The adviser's personal calendar feed: an iCalendar file at a secret URL, for Outlook and co.

The URL's token is the only credential (calendar clients cannot sign in), so the feed carries
what the adviser needs to plan the day and nothing an employer would not want copied into a
third-party calendar: the company's legal name, the topic, the place and the mode. No person's
name, email or telephone, no message. Regenerating the token kills the old URL at once.
"""

import secrets
from datetime import UTC, datetime, timedelta

import icalendar
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from advisors.models import Advisor, TimeOff
from appointments.models import Appointment, Mode
from core.organisation import ics_prodid, organisation_acronym

# The same UID as the employer's .ics (appointments.notifications.ics_for), so one appointment
# is one event wherever it lands.
UID_DOMAIN = "midi-regions"
PAST = timedelta(days=1)
HORIZON = timedelta(days=90)
# How often a client should poll; the view's Cache-Control says the same to proxies.
REFRESH = timedelta(minutes=15)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def ensure_feed_token(advisor: Advisor) -> str:
    """The adviser's feed token, created on first use."""
    if advisor.feed_token:
        return advisor.feed_token
    token = new_feed_token()
    # Only fills an empty token: two first visits at once must not give the adviser a URL that
    # the other request has already replaced.
    if not Advisor.objects.filter(pk=advisor.pk, feed_token__isnull=True).update(feed_token=token):
        token = Advisor.objects.values_list("feed_token", flat=True).get(pk=advisor.pk)
    advisor.feed_token = token
    return token


def regenerate_feed_token(advisor: Advisor) -> str:
    """Give the adviser a new token: the old URL answers 404 from now on."""
    token = new_feed_token()
    Advisor.objects.filter(pk=advisor.pk).update(feed_token=token)
    advisor.feed_token = token
    return token


def advisor_for_token(token: str) -> Advisor | None:
    """The active adviser whose feed this token opens, or None (1 query)."""
    if not token:
        return None
    return (
        Advisor.objects.select_related("user")
        .filter(feed_token=token, is_active=True, user__is_active=True)
        .first()
    )


def feed_url(advisor: Advisor) -> str:
    """The absolute subscription URL (not language-prefixed: it must never change)."""
    return f"{settings.SITE_URL}{reverse('advisor_feed', kwargs={'token': ensure_feed_token(advisor)})}"


def feed_calendar(advisor: Advisor, now: datetime | None = None) -> bytes:
    """The adviser's appointments and time off from yesterday to 90 days ahead: 2 queries."""
    now = now or timezone.now()
    start, end = now - PAST, now + HORIZON
    appointments = (
        Appointment.objects.filter(advisor=advisor, starts_at__gte=start, starts_at__lt=end)
        .select_related("topic", "company", "service_point__municipality", "municipality")
        .order_by("starts_at", "pk")
    )
    time_off = TimeOff.objects.filter(advisor=advisor, ends_at__gt=start, starts_at__lt=end).order_by(
        "starts_at", "pk"
    )
    # The adviser's language, whatever the calendar client sends (usually nothing).
    with translation.override(advisor.user.language):
        calendar = icalendar.Calendar()
        calendar.add("prodid", ics_prodid())
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add(
            "x-wr-calname",
            _("%(organisation)s consultations – %(name)s")
            % {"organisation": organisation_acronym(), "name": advisor},
        )
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
        for appointment in appointments:
            calendar.add_component(_appointment_event(appointment, now))
        for period in time_off:
            calendar.add_component(_time_off_event(period, now))
    return calendar.to_ical()


def _appointment_event(appointment: Appointment, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{appointment.uid}@{UID_DOMAIN}")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("last-modified", appointment.updated_at.astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", f"{appointment.topic.name} – {appointment.company.legal_name}")
    event.add("location", location_text(appointment))
    link = _appointment_url(appointment)
    event.add("description", _description(appointment, link))
    cancelled = appointment.status == Appointment.Status.CANCELLED
    # CANCELLED makes a subscribed client strike the event out instead of keeping a stale copy.
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    event.add("class", "PRIVATE")
    if link:
        event.add("url", link)
    return event


def _time_off_event(period: TimeOff, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"timeoff-{period.pk}@{UID_DOMAIN}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", period.starts_at.astimezone(UTC))
    event.add("dtend", period.ends_at.astimezone(UTC))
    # Not the reason: it may be sick leave, and the URL may end up in a shared calendar.
    event.add("summary", _("Absent"))
    event.add("transp", "OPAQUE")
    event.add("status", "CONFIRMED")
    event.add("class", "PRIVATE")
    return event


def location_text(appointment: Appointment) -> str:
    """Where it happens, without the company's street address (the premises may be a home)."""
    point = appointment.service_point
    if appointment.mode == Mode.SERVICE_POINT and point:
        return (
            f"{point.host_office}, {point.street_address}, "
            f"{point.municipality.name} (Québec) {point.postal_code}"
        )
    if appointment.mode == Mode.PREMISES:
        return f"{appointment.company.legal_name}, {appointment.municipality.name}"
    return str(appointment.get_mode_display())


def _description(appointment: Appointment, link: str | None) -> str:
    lines = [_("Mode: %(mode)s") % {"mode": appointment.get_mode_display()}]
    if appointment.status != Appointment.Status.CONFIRMED:
        lines.append(_("Status: %(status)s") % {"status": appointment.get_status_display()})
    if link:
        lines.append(_("Details: %(url)s") % {"url": link})
    return "\n".join(lines)


def _appointment_url(appointment: Appointment) -> str | None:
    try:
        path = reverse("advisors:appointment", kwargs={"uid": appointment.uid})
    except NoReverseMatch:  # the adviser's appointment page is not there yet
        return None
    return f"{settings.SITE_URL}{path}"
