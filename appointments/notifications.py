"""Emails to employers about their appointments, with an iCalendar (.ics) attachment; and the
short note to each adviser when the manager reassigns an appointment."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.grammar import Agreeing, agree
from advisors.models import Advisor
from appointments import calendar_event, checklist, meetings
from appointments.links import manage_url
from appointments.models import Appointment
from appointments.selectors import contact_of, location_text
from core import local_time
from core.emails import build_email

EMAILS = "appointments/email/"

# What each event's email says first: (subject, opening sentence). Sentences about the employer's
# adviser agree with the adviser in French (accounts.grammar): « votre conseillère a confirmé ».
EVENTS = {
    "confirmed": (
        _("Appointment confirmed"),
        _("Your consultation with a regional immigration adviser is confirmed."),
    ),
    "advisor_confirmed": (
        Agreeing(
            pgettext_lazy("feminine", "Your adviser confirmed the appointment"),
            pgettext_lazy("masculine", "Your adviser confirmed the appointment"),
            pgettext_lazy("epicene", "Your adviser confirmed the appointment"),
        ),
        Agreeing(
            pgettext_lazy("feminine", "Your adviser confirmed your consultation. See you then."),
            pgettext_lazy("masculine", "Your adviser confirmed your consultation. See you then."),
            pgettext_lazy("epicene", "Your adviser confirmed your consultation. See you then."),
        ),
    ),
    "rescheduled": (
        _("Appointment moved"),
        _("Your consultation with a regional immigration adviser has a new time."),
    ),
    "cancelled": (
        _("Appointment cancelled"),
        _("Your consultation with a regional immigration adviser is cancelled."),
    ),
    "completed": (
        _("Consultation held"),
        Agreeing(
            pgettext_lazy(
                "feminine", "Your adviser recorded your consultation as held. Thank you for meeting with us."
            ),
            pgettext_lazy(
                "masculine", "Your adviser recorded your consultation as held. Thank you for meeting with us."
            ),
            pgettext_lazy(
                "epicene", "Your adviser recorded your consultation as held. Thank you for meeting with us."
            ),
        ),
    ),
    "reassigned": (
        Agreeing(
            pgettext_lazy("feminine", "Your appointment has a new adviser"),
            pgettext_lazy("masculine", "Your appointment has a new adviser"),
            pgettext_lazy("epicene", "Your appointment has a new adviser"),
        ),
        _(
            "Your consultation will be held by another regional immigration adviser, at the same "
            "date and time. The attached file updates your calendar."
        ),
    ),
    "no_show": (
        _("Consultation missed"),
        Agreeing(
            pgettext_lazy(
                "feminine",
                "Your adviser recorded that the consultation did not take place. You can book another time.",
            ),
            pgettext_lazy(
                "masculine",
                "Your adviser recorded that the consultation did not take place. You can book another time.",
            ),
            pgettext_lazy(
                "epicene",
                "Your adviser recorded that the consultation did not take place. You can book another time.",
            ),
        ),
    ),
}
# Events after which the employer can still reschedule or cancel from the email.
CHANGEABLE_EVENTS = ("confirmed", "advisor_confirmed", "rescheduled", "reassigned")
# Events whose email carries the .ics: those a calendar must apply. A consultation held or missed
# changes nothing there (and a PUBLISH would put back an event the person had deleted).
CALENDAR_EVENTS = (*CHANGEABLE_EVENTS, "cancelled")


def ics_for(appointment: Appointment, *, link: str | None = None) -> bytes:
    """The appointment's .ics as it stands, in the active language: PUBLISH, or CANCEL once
    cancelled (appointments.calendar_event). `link`: the manage link, in the reader's language."""
    return calendar_event.ics(calendar_event.event_of(appointment, link=link))


def recipients(appointment: Appointment) -> list:
    """The person who booked, or else every representative of the company."""
    if appointment.booked_by_id and appointment.booked_by.is_active:
        return [appointment.booked_by]
    return [p.user for p in appointment.company.representatives.select_related("user") if p.user.is_active]


def attach_ics(message, event: calendar_event.CalendarEvent) -> None:
    """Attach the event's .ics as text/calendar with its METHOD (Outlook reads it from the
    header). Django adds the message's charset to a text attachment itself: naming it here too
    declared it twice (`charset="utf-8"; charset="utf-8"`, issue 18), which strict clients may
    refuse."""
    method = calendar_event.method_of(event)
    message.attach("rendez-vous.ics", calendar_event.ics(event), f"text/calendar; method={method}")


def send_appointment_email(*, appointment_id: int, event: str, sequence: int) -> int:
    """Send the email for one event; returns how many were sent. Stale events are skipped."""
    appointment = Appointment.objects.select_related(
        "advisor__user",
        "advisor__home_service_point",
        "topic",
        "service_point__municipality",
        "municipality",
        "company",
        "booked_by__employer_profile",
    ).get(pk=appointment_id)
    if appointment.sequence != sequence:
        # A later change already sent (or will send) a newer version of this appointment.
        return 0
    entries = checklist.checklist(appointment)
    sent = 0
    for user in recipients(appointment):
        # Times in the zone of the meeting (core.local_time), named when it is not Eastern time.
        with translation.override(user.language), timezone.override(local_time.zone(appointment.time_zone)):
            link = manage_url(appointment, language=user.language)
            context = {
                "appointment": appointment,
                "event": event,
                "subject": agree(EVENTS[event][0], appointment.advisor.user),
                "headline": agree(EVENTS[event][1], appointment.advisor.user),
                "changeable": event in CHANGEABLE_EVENTS,
                "user": user,
                "location": location_text(appointment),
                "office": calendar_event.office_of(appointment),
                "phone_to_call": calendar_event.phone_to_call(appointment),
                "meeting_url": meetings.employer_link(appointment),
                "manage_url": link,
                "site_url": settings.SITE_URL,
            }
            message = build_email("appointment", context, to=[user.email], folder=EMAILS)
            if event in CALENDAR_EVENTS:
                # In the recipient's language too: the SUMMARY and DESCRIPTION are words.
                items = [entry.name for entry in entries]  # in the recipient's language
                attach_ics(message, calendar_event.event_of(appointment, link=link, items=items))
            message.send()
            sent += 1
    return sent


def send_reassigned_advisor_email(
    *, appointment_id: int, advisor_id: int, taken_over: bool, reason: str
) -> int:
    """Tell an adviser that an appointment was given to them (`taken_over`) or taken off their
    calendar by the manager; returns emails sent. Skipped when a later change undid it."""
    appointment = Appointment.objects.select_related(
        "advisor__user",
        "topic",
        "service_point__municipality",
        "municipality",
        "company",
        "booked_by__employer_profile",
    ).get(pk=appointment_id)
    advisor = Advisor.objects.select_related("user").filter(pk=advisor_id).first()
    holds_it = appointment.advisor_id == advisor_id and appointment.status == Appointment.Status.CONFIRMED
    if advisor is None or holds_it != taken_over or not advisor.user.is_active:
        return 0
    user = advisor.user
    with translation.override(user.language), timezone.override(local_time.zone(appointment.time_zone)):
        link = ""
        if taken_over:
            link = settings.SITE_URL + reverse("advisors:appointment", kwargs={"uid": appointment.uid})
        context = {
            "appointment": appointment,
            "taken_over": taken_over,
            # Whom to call: for the adviser who takes the appointment over only.
            "contact": contact_of(appointment.booked_by, phone=appointment.contact_phone)
            if taken_over
            else None,
            "reason": reason,
            "user": user,
            "location": location_text(appointment),
            "link": link,
            "site_url": settings.SITE_URL,
        }
        build_email("appointment_reassigned_advisor", context, to=[user.email], folder=EMAILS).send()
    return 1
