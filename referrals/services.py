"""Writes of referrals: a partner refers a company; the referral's status follows what the
advisers do; the company's contact claims the account the referral prepared.

`refer_company` is one transaction: the consent is checked first (without it nothing is
created), the company is found or created as a prospect (referrals.matching: never
duplicated), the contact gets an account when the company has none, and the referral joins the
company's open request or file, or books the partner's chosen time, or becomes a new request
routed with the reason "referral". Emails go out after the commit.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Company, EmployerProfile, User
from accounts.validators import normalize_neq
from appointments import services as booking
from appointments.models import Appointment, Topic
from company_files.models import CompanyFile, FileEntry, Program
from consultations.models import ConsultationRequest
from core.errors import ServiceError
from core.queue import enqueue
from referrals import matching
from referrals.models import PartnerMember, Referral
from service_points.models import Municipality

NO_CONSENT = "no_consent"  # the company's consent is not recorded (400)
NOT_PARTNER = "not_partner"  # only a partner organisation's member refers (403)
CHOOSE_COMPANY = "choose_company"  # near-duplicates exist: pick one or confirm a new company (409)
COMPANY_INCOMPLETE = "company_incomplete"  # a new company needs its NEQ and address (400)


class ReferralError(ServiceError):
    """The referral cannot be made; `code` says why."""

    messages = {
        NO_CONSENT: gettext_lazy(
            "Record the company's consent to be contacted (who gave it, when and how): without it, "
            "nothing is sent."
        ),
        NOT_PARTNER: gettext_lazy("Only a partner organisation's member can refer a company."),
        CHOOSE_COMPANY: gettext_lazy(
            "Companies with a similar name already exist: choose one, or confirm that it is another company."
        ),
        COMPANY_INCOMPLETE: gettext_lazy(
            "This company is not known yet: give its NEQ, sector, size, civic address and postal code."
        ),
    }
    statuses = {NO_CONSENT: 400, NOT_PARTNER: 403, CHOOSE_COMPANY: 409, COMPANY_INCOMPLETE: 400}

    def __init__(self, code: str, *, suggestions=None):
        super().__init__(code)
        self.suggestions = suggestions or []


@dataclass(frozen=True)
class CompanyData:
    """The company as the partner typed it; `chosen` when they picked a suggested one."""

    legal_name: str
    municipality: Municipality
    neq: str = ""
    sector: str = ""
    size: str = ""
    street_address: str = ""
    postal_code: str = ""
    chosen: Company | None = None
    confirm_new: bool = False  # "none of the suggested companies"


@dataclass(frozen=True)
class ReferralData:
    company: CompanyData
    contact_name: str
    contact_email: str
    topic: Topic
    mode: str
    need: str
    consent_given_by: str
    consent_given_at: datetime | None
    consent_method: str
    contact_phone: str = ""
    program: Program | None = None
    urgency: str = Referral.Urgency.NORMAL
    language: str = "fr"


@dataclass(frozen=True)
class BookingChoice:
    """The partner books this free time on the company's behalf (appointments.services.SlotChoice)."""

    choice: booking.SlotChoice


def _check_consent(data: ReferralData) -> None:
    if not (data.consent_given_by.strip() and data.consent_given_at and data.consent_method):
        raise ReferralError(NO_CONSENT)
    if data.consent_method not in Referral.ConsentMethod.values:
        raise ReferralError(NO_CONSENT)


def resolve_company(data: CompanyData) -> tuple[Company, bool]:
    """The company referred: the one picked, the one of this NEQ, or a new prospect (created=True).
    Near-duplicates without a choice raise CHOOSE_COMPANY with the suggestions."""
    match = matching.find_company(neq=data.neq, name=data.legal_name, municipality=data.municipality)
    if data.chosen is not None:
        # Only a company the partner was offered: no referring any company by its number.
        offered = (
            match.suggestions
            or matching.find_company(name=data.legal_name, municipality=data.municipality).suggestions
        )
        if data.chosen in offered or data.chosen == match.company:
            return data.chosen, False
        raise ReferralError(CHOOSE_COMPANY, suggestions=offered)
    if match.company is not None:
        return match.company, False
    if match.suggestions and not data.confirm_new:
        raise ReferralError(CHOOSE_COMPANY, suggestions=match.suggestions)
    neq = normalize_neq(data.neq)
    required = (neq, data.sector, data.size, data.street_address, data.postal_code)
    if not all(required) or not neq.isdigit() or len(neq) != 10:
        raise ReferralError(COMPANY_INCOMPLETE, suggestions=match.suggestions)
    company, created = Company.objects.get_or_create(
        neq=neq,
        defaults={
            "legal_name": data.legal_name.strip(),
            "sector": data.sector,
            "size": data.size,
            "street_address": data.street_address.strip(),
            "postal_code": data.postal_code,
            "municipality": data.municipality,
        },
    )
    return company, created


def _contact_account(company: Company, data: ReferralData) -> User | None:
    """The contact's account: a representative of the company with this address, or a new one
    (no password yet: they claim it, referrals.claims) when the company has no representative.
    Anyone else with the address (another company's, staff) is left alone: None."""
    email = data.contact_email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        is_representative = EmployerProfile.objects.filter(user=existing, company=company).exists()
        return existing if is_representative else None
    if company.representatives.exists():
        return None
    first, _sep, last = data.contact_name.strip().partition(" ")
    # The site's language nearest the consultation's (a consultation in Spanish: French emails).
    language = "en" if data.language == "en" else settings.LANGUAGE_CODE
    user = User.objects.create_user(
        email=email, first_name=first[:150], last_name=last[:150], language=language
    )
    EmployerProfile.objects.create(user=user, company=company, phone=data.contact_phone)
    return user


def refer_company(
    *,
    partner: User,
    data: ReferralData,
    booking_choice: BookingChoice | None = None,
    now: datetime | None = None,
) -> Referral:
    """Record the referral and hand the company over (see the module's docstring)."""
    now = now or timezone.now()
    _check_consent(data)
    membership = PartnerMember.objects.filter(user=partner, organisation__is_active=True).first()
    if membership is None:
        raise ReferralError(NOT_PARTNER)
    with transaction.atomic():
        company, created = resolve_company(data.company)
        Company.objects.select_for_update().filter(pk=company.pk).first()  # one referral joins at a time
        contact = _contact_account(company, data)
        referral = Referral(
            partner=partner,
            organisation_id=membership.organisation_id,
            office_id=membership.office_id,
            company=company,
            company_created=created,
            contact_name=data.contact_name.strip(),
            contact_email=data.contact_email.strip().lower(),
            contact_phone=data.contact_phone,
            contact_user=contact,
            topic=data.topic,
            program=data.program,
            urgency=data.urgency,
            need=data.need.strip(),
            mode=data.mode,
            language=data.language,
            municipality=data.company.municipality,
            consent_given_by=data.consent_given_by.strip(),
            consent_given_at=data.consent_given_at,
            consent_method=data.consent_method,
        )
        open_request = (
            ConsultationRequest.objects.filter(company=company, status__in=ConsultationRequest.OPEN_STATUSES)
            .order_by("created_at")
            .first()
        )
        open_file = (
            CompanyFile.objects.filter(company=company, closed_at__isnull=True).order_by("opened_at").first()
        )
        if open_request is not None:
            referral.request = open_request
            referral.joined_existing = True
        elif open_file is not None:
            referral.company_file = open_file
            referral.joined_existing = True
        elif booking_choice is not None:
            referral.appointment = booking.book_appointment(
                company=company,
                booked_by=contact,
                topic=data.topic,
                mode=data.mode,
                location=data.company.municipality,
                choice=booking_choice.choice,
                message=data.need.strip(),
                contact_phone=data.contact_phone,
                actor=partner,
                now=now,
            )
            referral.contacted_at = now
            referral.status = Referral.Status.CONTACTED
        else:
            referral.request = ConsultationRequest.objects.create(
                company=company,
                requested_by=contact,
                topic=data.topic,
                mode=data.mode,
                municipality=data.company.municipality,
                language=data.language,
                message=data.need.strip(),
                contact_phone=data.contact_phone,
                origin=ConsultationRequest.Origin.REFERRAL,
            )
            enqueue("appointments.route_request", referral.request.pk)
        referral.save()
        if referral.company_file is not None:
            # The file's adviser reads it in the timeline, as an internal note (staff only).
            FileEntry.objects.create(
                file=referral.company_file,
                kind=FileEntry.Kind.NOTE,
                at=now,
                actor=partner,
                body=_file_note(referral),
            )
        if contact is not None and not contact.has_usable_password():
            enqueue("referrals.send_claim_email", referral.pk)
    return referral


def _file_note(referral: Referral) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # staff read the timeline in French
        return gettext("Referral from %(org)s (%(partner)s): %(need)s") % {
            "org": referral.organisation.name,
            "partner": referral.partner.get_full_name() or referral.partner.email,
            "need": referral.need,
        }


# --- Status: what the partner sees follows what the advisers do -------------------------------

ORDER = [Referral.Status.RECEIVED, Referral.Status.CONTACTED, Referral.Status.MEETING_HELD]


def status_from(referral: Referral) -> tuple[str, str]:
    """(status, outcome) the referral's request, appointment and file give."""
    request, appointment, file = referral.request, referral.appointment, referral.company_file
    if appointment is None and request is not None and request.appointment_id:
        appointment = request.appointment
    if appointment is not None:
        if appointment.status == Appointment.Status.COMPLETED:
            return Referral.Status.MEETING_HELD, "meeting_held"
        if appointment.status == Appointment.Status.NO_SHOW:
            return Referral.Status.CLOSED, "no_show"
        if appointment.status == Appointment.Status.CANCELLED:
            return Referral.Status.CLOSED, "cancelled"
        return Referral.Status.CONTACTED, ""
    if request is not None:
        if request.status == ConsultationRequest.Status.WITHDRAWN:
            return Referral.Status.CLOSED, "withdrawn"
        if request.accepted_at or request.status == ConsultationRequest.Status.PROPOSED:
            return Referral.Status.CONTACTED, ""
    if file is not None and file.closed_at is not None:
        return Referral.Status.CLOSED, "file_closed"
    return Referral.Status.RECEIVED, ""


def refresh_status(referral_id: int, *, now: datetime | None = None) -> Referral | None:
    """Bring the referral's status up to date; a change is notified to the partner after commit.
    A status never goes back (a meeting held stays held); closed is final."""
    now = now or timezone.now()
    with transaction.atomic():
        # The row alone is locked (a join's nullable side cannot be); its relations read after.
        referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
        if referral is None or referral.status == Referral.Status.CLOSED:
            return referral
        status, outcome = status_from(referral)
        if referral.appointment is None and referral.request is not None and referral.request.appointment_id:
            referral.appointment = referral.request.appointment
        current = referral.status
        if status == current or (
            status in ORDER and current in ORDER and ORDER.index(status) < ORDER.index(current)
        ):
            referral.save(update_fields=["appointment"])
            return referral
        referral.status = status
        referral.outcome = outcome or referral.outcome
        if status in (Referral.Status.CONTACTED, Referral.Status.MEETING_HELD) and not referral.contacted_at:
            referral.contacted_at = now
        if status == Referral.Status.MEETING_HELD and not referral.meeting_held_at:
            referral.meeting_held_at = now
        if status == Referral.Status.CLOSED:
            referral.closed_at = now
        referral.save()
        enqueue("referrals.send_status_email", referral.pk, status)
    return referral


SWEEP_CHUNK = 500


def sweep_statuses(*, now: datetime | None = None) -> int:
    """Refresh every open referral whose request, appointment or file moved on: one query per
    chunk of open referrals, and a locked update for each that changed. Returns how many changed."""
    changed = 0
    open_referrals = (
        Referral.objects.exclude(status=Referral.Status.CLOSED)
        .select_related("request__appointment", "appointment", "company_file")
        .order_by("pk")
    )
    for referral in open_referrals.iterator(chunk_size=SWEEP_CHUNK):
        status, _outcome = status_from(referral)
        if status != referral.status:
            before = referral.status
            refreshed = refresh_status(referral.pk, now=now)
            changed += refreshed is not None and refreshed.status != before
    return changed


def refresh_for(*, request_ids=(), appointment_ids=(), file_ids=()) -> int:
    """Refresh the referrals of these requests, appointments and files (signals): 1 query + 1 each."""
    where = Q(pk__in=[])
    if request_ids:
        where |= Q(request_id__in=request_ids)
    if appointment_ids:
        where |= Q(appointment_id__in=appointment_ids) | Q(request__appointment_id__in=appointment_ids)
    if file_ids:
        where |= Q(company_file_id__in=file_ids)
    ids = list(
        Referral.objects.filter(where).exclude(status=Referral.Status.CLOSED).values_list("pk", flat=True)
    )
    for pk in ids:
        refresh_status(pk)
    return len(ids)
