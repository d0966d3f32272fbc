"""Québec's Law 25, the write side: an employer closes their account (personal data anonymised,
statistics kept), and past appointments' personal details are blanked after the retention period.

What counts as personal data, what is kept and why: docs/architecture.md (2026-11-29, "Account
closure and retention"). The read side, the right of access, is privacy.data_export.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.access import Role, role_of
from accounts.models import ApiToken, Company, CompanyInvitation, EmployerProfile, User
from accounts.selectors import has_other_active_representatives
from appointments import calendar_event, notifications
from appointments.models import Appointment, AppointmentEvent, AppointmentNote, Reminder
from appointments.selectors import location_text
from appointments.services import BookingError, cancel_appointment
from audit.role_changes import forget_person
from consultations.models import ConsultationRequest, RoutingDecision
from consultations.services import RequestError, withdraw_request
from core.emails import build_email
from core.queue import enqueue
from feedback.models import Survey
from waitlist import services as waitlist
from waitlist.models import WaitlistEntry

APPOINTMENT_EMAILS = "appointments/email/"  # the cancellation is the appointment email

logger = logging.getLogger(__name__)

PLACEHOLDER_DOMAIN = "invalid.example"  # reserved names (RFC 2606, RFC 6761): never delivered


def placeholder_email(user_id: int) -> str:
    """The unique, undeliverable address a closed account keeps (the column is unique)."""
    return f"closed-{user_id}@{PLACEHOLDER_DOMAIN}"


@dataclass(frozen=True)
class Recipient:
    """Where the last emails of a closed account go: captured before the address is erased."""

    email: str
    language: str
    first_name: str = ""


@dataclass(frozen=True)
class Closure:
    """What close_account did."""

    last_representative: bool
    cancelled: int
    withdrawn: int


# --- Closing an account ---------------------------------------------------------------------------


def close_account(*, user: User, reason: str = "", now: datetime | None = None) -> Closure:
    """Close an employer's account: anonymise the person, keep the statistics. One transaction.

    The company's future appointments are cancelled, through the usual cancellation (audit event,
    reminders dropped, .ics CANCEL), only when no other active representative remains; otherwise
    colleagues keep them. Open requests the person filed (all the company's, when they were the
    last one) are withdrawn. `reason` becomes the cancellation reason (default "Account closed",
    in the person's language). Staff accounts are managed by administrators: PermissionDenied.
    The confirmation and cancellation emails go, after the commit, to the address as it was.
    """
    now = now or timezone.now()
    if role_of(user) != Role.EMPLOYER or not user.is_active:
        raise PermissionDenied("Only an employer's own active account can be closed this way.")
    with transaction.atomic():
        # The row is locked and the caller's own object (the request's user) is the one changed:
        # whatever still reads it in this request sees the anonymised person, not the old one.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").get()
        user.refresh_from_db()
        if not user.is_active:  # closed meanwhile: a double submit
            return Closure(last_representative=False, cancelled=0, withdrawn=0)
        profile = EmployerProfile.objects.get(user=user)
        # Serialises closures within one company: two colleagues closing at the same time cannot
        # both think the other one stays.
        company = Company.objects.select_for_update().get(pk=profile.company_id)
        recipient = Recipient(email=user.email, language=user.language, first_name=user.first_name)
        last = not has_other_active_representatives(company=company, user=user)
        _blank_texts_written_by(user)
        with translation.override(user.language):
            reason = (reason.strip() or gettext("Account closed"))[:300]
        cancelled = _cancel_or_hand_over_future_appointments(
            company=company, user=user, last=last, reason=reason, recipient=recipient, now=now
        )
        withdrawn = _withdraw_open_requests(company=company, user=user, last=last)
        _anonymise_user(user, profile)
        forget_person(user)  # the role-change history named them: it now reads the placeholder
        if last:
            # For a small business the address is often the owner's home. Legal name and NEQ are
            # public registry data; municipality, sector and size feed the statistics.
            company.street_address = ""
            company.postal_code = ""
            company.save(update_fields=["street_address", "postal_code", "updated_at"])
            # Nobody is left to vouch for a colleague: pending invitations die with the account,
            # and so does the company's place on the waitlist.
            CompanyInvitation.objects.filter(
                company=company, accepted_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now)
            for entry in WaitlistEntry.objects.filter(
                company=company, status__in=WaitlistEntry.ACTIVE_STATUSES
            ):
                waitlist.leave(entry=entry, now=now)
        else:
            WaitlistEntry.objects.filter(joined_by=user).update(joined_by=None)
        enqueue_account_closed_email(recipient, cancelled=cancelled, withdrawn=withdrawn)
    # No personal data in the log: ids and counts only.
    logger.info(
        "Account %s closed (company %s, last representative: %s): %d appointments cancelled, "
        "%d requests withdrawn",
        user.pk,
        company.pk,
        last,
        cancelled,
        withdrawn,
    )
    return Closure(last_representative=last, cancelled=cancelled, withdrawn=withdrawn)


def _blank_texts_written_by(user: User) -> None:
    """The person's own free text: messages to advisers, requests, reasons they gave, comments on
    surveys; and the numbers they gave to be called at (core.phones)."""
    Appointment.objects.filter(booked_by=user).filter(~Q(message="") | ~Q(contact_phone="")).update(
        message="", contact_phone=""
    )
    ConsultationRequest.objects.filter(requested_by=user).filter(
        ~Q(message="") | ~Q(contact_phone="")
    ).update(message="", contact_phone="")
    WaitlistEntry.objects.filter(joined_by=user).exclude(contact_phone="").update(contact_phone="")
    cancelled_by_them = AppointmentEvent.objects.filter(
        actor=user, action=AppointmentEvent.Action.CANCELLED
    ).values("appointment_id")
    Appointment.objects.filter(pk__in=cancelled_by_them).exclude(cancellation_reason="").update(
        cancellation_reason=""
    )
    AppointmentEvent.objects.filter(actor=user).exclude(reason="").update(reason="")
    Survey.objects.filter(recipient=user).exclude(comment="").update(comment="")


def _cancel_or_hand_over_future_appointments(
    *, company: Company, user: User, last: bool, reason: str, recipient: Recipient, now: datetime
) -> int:
    future = Appointment.objects.filter(
        company=company, status=Appointment.Status.CONFIRMED, starts_at__gt=now
    ).order_by("starts_at")
    if not last:
        # Colleagues keep them: emails and reminders go to the company's active representatives
        # (appointments.notifications.recipients), greeting the company, not an erased person.
        future.filter(booked_by=user).update(booked_by=None)
        return 0
    cancelled = 0
    for appointment in future:
        try:
            current = cancel_appointment(appointment=appointment, by=user, reason=reason, now=now)
        except BookingError:  # started or changed meanwhile: nothing left to cancel
            continue
        # The usual email finds no active representative any more: this one goes to the address
        # the person had, so that their calendar drops the event.
        enqueue_cancellation_email(current, recipient)
        cancelled += 1
    return cancelled


def _withdraw_open_requests(*, company: Company, user: User, last: bool) -> int:
    requests = ConsultationRequest.objects.filter(
        company=company, status__in=ConsultationRequest.OPEN_STATUSES
    )
    if not last:
        requests = requests.filter(requested_by=user)
    withdrawn = 0
    for request in requests:
        try:
            withdraw_request(request=request, by=user)
        except RequestError:  # booked or withdrawn meanwhile
            continue
        withdrawn += 1
    return withdrawn


def _anonymise_user(user: User, profile: EmployerProfile) -> None:
    user.email = placeholder_email(user.pk)
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()  # also invalidates password-reset links and session hashes
    user.is_active = False
    user.save()  # signals drop the cached signed-in user (accounts.apps)
    profile.job_title = ""
    profile.phone = ""
    profile.save(update_fields=["job_title", "phone"])
    EmailAddress.objects.filter(user=user).delete()  # their confirmations go with them
    Authenticator.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    _end_sessions(user)


def _end_sessions(user: User) -> None:
    """Delete the person's sessions (database and cache). Sessions carry no user column, so the
    live ones are decoded; closing an account is rare. An inactive user with a new password hash
    is signed out by Django anyway: this removes the rows instead of leaving them to expire."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == user_id:
            store(session_key=session.session_key).delete()


# --- The last emails of a closed account --------------------------------------------------------


def enqueue_cancellation_email(appointment: Appointment, recipient: Recipient) -> None:
    enqueue(
        "accounts.send_closed_account_cancellation", appointment.pk, appointment.sequence, asdict(recipient)
    )


def enqueue_account_closed_email(recipient: Recipient, *, cancelled: int, withdrawn: int) -> None:
    enqueue("accounts.send_account_closed_email", asdict(recipient), cancelled, withdrawn)


def send_cancellation_email(*, appointment_id: int, sequence: int, recipient: Recipient) -> int:
    """The usual cancellation email (appointments.notifications), with its .ics CANCEL, to the
    address the closed account had. Skipped if the appointment changed since."""
    appointment = Appointment.objects.select_related(
        "advisor__user",
        "advisor__home_service_point",
        "topic",
        "service_point__municipality",
        "municipality",
        "company",
    ).get(pk=appointment_id)
    if appointment.sequence != sequence or appointment.status != Appointment.Status.CANCELLED:
        return 0
    # The templates greet `user`: an unsaved stand-in carrying what they read.
    person = User(email=recipient.email, first_name=recipient.first_name, language=recipient.language)
    with translation.override(recipient.language):
        subject, headline = notifications.EVENTS["cancelled"]
        context = {
            "appointment": appointment,
            "event": "cancelled",
            "subject": subject,
            "headline": headline,
            "changeable": False,
            "user": person,
            "location": location_text(appointment),
            "office": calendar_event.office_of(appointment),
            "manage_url": "",
            "site_url": settings.SITE_URL,
        }
        message = build_email("appointment", context, to=[recipient.email], folder=APPOINTMENT_EMAILS)
        notifications.attach_ics(message, calendar_event.event_of(appointment))
        message.send()
    return 1


def send_account_closed_email(*, recipient: Recipient, cancelled: int, withdrawn: int) -> int:
    """Tell the person their account is closed (and what happened to their bookings): if it was
    not them, they learn it at once."""
    context = {
        "first_name": recipient.first_name,
        "email": recipient.email,
        "language": recipient.language,
        "cancelled": cancelled,
        "withdrawn": withdrawn,
        "site_url": settings.SITE_URL,
    }
    with translation.override(recipient.language):
        message = build_email("account_closed", context, to=[recipient.email], folder="privacy/email/")
        message.send()
    return 1


# --- Retention of past appointments' personal details ------------------------------------------


def purge_expired_personal_details(*, now: datetime | None = None) -> int:
    """Blank the free text of appointments that ended more than PERSONAL_DATA_RETENTION_DAYS ago,
    and of the requests closed as long ago; returns how many rows were changed.

    Free text is where personal details sit: the employer's message, cancellation and other
    reasons, the advisers' notes about the company, decline notes, delivery errors quoting an
    address. Rows, statuses, dates, topics, modes, advisers and places stay: the statistics and
    the dashboard read nothing else. Seven bulk UPDATEs whatever the volume; a second run changes
    nothing (rows already blank are not matched).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    ended = Q(ends_at__lt=cutoff)
    changed = (
        Appointment.objects.filter(ended)
        .filter(~Q(message="") | ~Q(cancellation_reason="") | ~Q(contact_phone=""))
        .update(message="", cancellation_reason="", contact_phone="")
    )
    changed += (
        AppointmentEvent.objects.filter(appointment__ends_at__lt=cutoff).exclude(reason="").update(reason="")
    )
    changed += (
        AppointmentNote.objects.filter(appointment__ends_at__lt=cutoff).exclude(text="").update(text="")
    )
    changed += (
        Reminder.objects.filter(appointment__ends_at__lt=cutoff).exclude(last_error="").update(last_error="")
    )
    # The employers' comments on a consultation (feedback): the score and the yes/partly/no stay.
    changed += (
        Survey.objects.filter(appointment__ends_at__lt=cutoff)
        .filter(~Q(comment="") | ~Q(last_error=""))
        .update(comment="", last_error="")
    )
    # A request is over once it is booked or withdrawn: its appointment's end, or else its last change.
    closed_requests = ConsultationRequest.objects.exclude(
        status__in=ConsultationRequest.OPEN_STATUSES
    ).filter(Q(appointment__ends_at__lt=cutoff) | Q(appointment__isnull=True, updated_at__lt=cutoff))
    changed += closed_requests.filter(~Q(message="") | ~Q(contact_phone="")).update(
        message="", contact_phone=""
    )
    changed += (
        RoutingDecision.objects.filter(request__in=closed_requests.values("pk"))
        .exclude(note="")
        .update(note="")
    )
    return changed
