"""The waitlist with offer-and-hold.

An employer for whom no time suits joins the waitlist for a topic, a mode and an area, with the
days and times they can make. When a time frees up (a cancellation, a move, new hours, time
off removed, a lapsed offer) `offer_freed_time` runs for that adviser (Celery, after commit):
with the adviser's row locked, it walks the waiting entries in line order and holds the first
free time that fits each, for `settings.WAITLIST_HOLD_MINUTES` counted in business hours
(core.business_hours: an offer made at 22:22 or on a Friday evening runs from the next opening;
weekends and Québec holidays do not count). Only times the employer can still book when the
hold ends are offered (the topic's minimum notice counted from then), so an offer can be
confirmed until its last minute. The employer gets an email with a signed link; confirming books
through `services.book_appointment` (limits included), which alone may use the held time. A hold
that is not confirmed in time lapses (`expire_holds`, beat every 30 s) and the time goes to the
next in line; the lapsed employer keeps their place but is not offered that same time again.

Guarantees: the adviser lock serialises offers and bookings of one adviser; an entry holds at
most one offer (unique constraint on active holds per entry); two active holds never overlap
for one adviser (PostgreSQL exclusion constraint); appointments still cannot overlap
(appointments' exclusion constraint).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import Company, User
from advisors.models import Advisor
from appointments import selectors, services
from appointments.models import Mode, TimeOfDay, Topic
from appointments.slots import Slot, free_slots
from core.business_hours import add_business_hours, local_zone
from core.emails import build_email
from core.errors import ServiceError
from core.queue import enqueue
from core.signed_tokens import signed_fields
from service_points.models import Municipality
from waitlist.models import SlotHold, WaitlistEntry
from waitlist.selectors import fits_preferences

ALREADY_WAITING = "already_waiting"  # the company is already in line for this topic and mode (409)
OFFER_GONE = "offer_gone"  # lapsed, declined, confirmed or left (410)

OFFER_SALT = "waitlist.services-offer"
MAX_OFFERS_PER_RUN = 50
GENERAL_HORIZON_DAYS = 120  # new hours: look this far ahead at most


class WaitlistError(ServiceError):
    """The company cannot join, or the offer cannot be taken; `code` says why."""

    messages = {
        ALREADY_WAITING: gettext_lazy(
            "Your company is already on the waitlist for this topic and this way of meeting. Leave that "
            "place first to change what you asked for."
        ),
        OFFER_GONE: gettext_lazy(
            "This offer is no longer open: it was answered, or the time to confirm has passed and the "
            "time went to the next company in line."
        ),
    }
    statuses = {OFFER_GONE: 410}


@dataclass(frozen=True)
class WaitlistData:
    topic: Topic
    mode: str
    municipality: Municipality
    max_distance_km: int
    language: str
    weekdays: list[int]
    time_of_day: str
    until: date | None
    contact_phone: str = ""  # E.164 (core.phones); the form's `phone`

    @classmethod
    def from_cleaned(cls, data: dict) -> "WaitlistData":
        fields = {name: data.get(name) for name in cls.__dataclass_fields__ if name != "contact_phone"}
        return cls(**fields, contact_phone=data.get("phone") or "")


# --- Joining and leaving -----------------------------------------------------------------------


def join(*, company: Company, user: User, data: WaitlistData, now: datetime | None = None) -> WaitlistEntry:
    """Put the company in line; then look at once for a free time that fits (after commit)."""
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                company=company,
                joined_by=user,
                topic=data.topic,
                mode=data.mode,
                municipality=data.municipality,
                max_distance_km=data.max_distance_km,
                language=data.language or "",
                weekdays=sorted(set(data.weekdays or [])),
                time_of_day=data.time_of_day or TimeOfDay.ANY,
                until=data.until,
                contact_phone=data.contact_phone or "",
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        raise WaitlistError(ALREADY_WAITING) from None
    return entry


def leave(*, entry: WaitlistEntry, now: datetime | None = None) -> WaitlistEntry:
    """The company leaves the line; a time held for it goes to the next in line."""
    now = now or timezone.now()
    with transaction.atomic():
        current = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if current.status not in WaitlistEntry.ACTIVE_STATUSES:
            return current
        current.status = WaitlistEntry.Status.LEFT
        current.save(update_fields=["status", "updated_at"])
        for hold in current.holds.select_for_update().filter(status=SlotHold.Status.ACTIVE):
            _close(hold, SlotHold.Status.RELEASED, now)
    return current


def position(entry: WaitlistEntry) -> int:
    """The entry's place in line: active entries of the same topic in the same directorate
    (the advisers who could serve them) that joined before it, plus one."""
    return (
        WaitlistEntry.objects.filter(
            topic_id=entry.topic_id,
            status__in=WaitlistEntry.ACTIVE_STATUSES,
            municipality__region__directorate=entry.municipality.region.directorate_id,
        )
        .filter(created_at__lte=entry.created_at)
        .exclude(created_at=entry.created_at, pk__gt=entry.pk)
        .count()
    )


def company_entries(company: Company):
    return (
        WaitlistEntry.objects.filter(company=company, status__in=WaitlistEntry.ACTIVE_STATUSES)
        .select_related("topic", "municipality__region")
        .order_by("created_at", "pk")
    )


# --- Offering ----------------------------------------------------------------------------------


def active_holds(now: datetime | None = None) -> QuerySet[SlotHold]:
    """Offers still holding their time: active, not expired."""
    return SlotHold.objects.filter(status=SlotHold.Status.ACTIVE, expires_at__gt=now or timezone.now())


def claim_key(hold: SlotHold) -> str:
    """The key (appointments.claims) under which a hold's time is kept for its own booking."""
    return f"waitlist-hold:{hold.pk}"


def held_times(now: datetime, keep: str | None) -> QuerySet[SlotHold]:
    """The waitlist's claims on advisers' time (appointments.claims): its active holds, but the
    one being confirmed."""
    holds = active_holds(now)
    if keep and keep.startswith("waitlist-hold:"):
        holds = holds.exclude(pk=int(keep.removeprefix("waitlist-hold:")))
    return holds


def time_freed(sender, *, advisor_id: int, start: datetime, end: datetime, **kwargs) -> None:
    """appointments.signals.time_freed: offer the freed time to the waitlist after the commit."""
    enqueue_offer(advisor_id, start, end)


def enqueue_offer(advisor_id: int, start: datetime | None = None, end: datetime | None = None) -> None:
    """After commit: offer the adviser's free times (only those overlapping [start, end) if given)."""
    enqueue(
        "appointments.offer_freed_time",
        advisor_id,
        start.isoformat() if start else None,
        end.isoformat() if end else None,
    )


@dataclass(frozen=True)
class _Waiting:
    """What matching needs of a waiting entry: plain values, no model instances (1 000 entries
    cost 1 query and no ORM objects; bench/waitlist.py)."""

    pk: int
    topic: Topic
    mode: str
    language: str
    municipality_id: int
    latitude: float
    longitude: float
    max_distance_km: int
    weekdays: list
    time_of_day: str
    until: date | None


def _waiting_for(advisor: Advisor, today: date) -> list[_Waiting]:
    """Waiting entries of the adviser's topics, in line order: 2 queries."""
    topics = {t.pk: t for t in advisor.topics.filter(is_active=True)}
    rows = (
        WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING, topic_id__in=list(topics))
        .exclude(until__lt=today)
        .order_by("created_at", "pk")
        .values_list(
            "pk",
            "topic_id",
            "mode",
            "language",
            "municipality_id",
            "municipality__latitude",
            "municipality__longitude",
            "max_distance_km",
            "weekdays",
            "time_of_day",
            "until",
        )
    )
    return [_Waiting(row[0], topics[row[1]], *row[2:]) for row in rows]


def _fits_time(entry: _Waiting, slot: Slot, tz) -> bool:
    return fits_preferences(
        slot.start, weekdays=entry.weekdays, time_of_day=entry.time_of_day, until=entry.until, tz=tz
    )


def hold_deadline(offered_at: datetime) -> datetime:
    """When an offer made at `offered_at` lapses: settings.WAITLIST_HOLD_MINUTES of business hours
    later (evenings, weekends and Québec holidays do not count; core.business_hours)."""
    return add_business_hours(offered_at, settings.WAITLIST_HOLD_MINUTES / 60)


class _Matcher:
    """What one offer run knows about one adviser: their options per (topic, language, mode,
    place) and their free slots per topic, computed once each."""

    def __init__(self, advisor: Advisor, now: datetime, start: datetime | None, end: datetime | None):
        self.advisor, self.now, self.start, self.end = advisor, now, start, end
        self.deadline = hold_deadline(now)
        self.tz = local_zone()
        first = now.astimezone(self.tz).date()
        if start and end:
            days = (end.astimezone(self.tz).date() - start.astimezone(self.tz).date()).days + 1
            self.days = [start.astimezone(self.tz).date() + timedelta(days=n) for n in range(days)]
        else:
            self.days = [first + timedelta(days=n) for n in range(GENERAL_HORIZON_DAYS)]
        self.calendar = selectors.load_calendars(
            [advisor], start=self.days[0], end=self.days[-1] + timedelta(days=1)
        )[advisor.pk]
        self._candidates: dict[tuple, list] = {}
        self._options: dict[tuple, list] = {}
        self._slots: dict[int, list[Slot]] = {}
        self.taken: list[tuple[datetime, datetime]] = []

    def options(self, entry: _Waiting):
        key = (entry.topic.pk, entry.language, entry.mode, entry.municipality_id)
        if key not in self._options:
            ckey = key[:2]
            if ckey not in self._candidates:
                self._candidates[ckey] = selectors.qualified_candidates(
                    topic=entry.topic, language=entry.language or None, advisor_id=self.advisor.pk
                )
            ranked = selectors.ranked_options(
                self._candidates[ckey],
                mode=entry.mode,
                latitude=entry.latitude,
                longitude=entry.longitude,
            )
            if entry.mode in (Mode.SERVICE_POINT, Mode.PREMISES):
                ranked = [o for o in ranked if o.distance_km <= entry.max_distance_km]
            self._options[key] = ranked
        return self._options[key]

    def slots(self, topic: Topic) -> list[Slot]:
        if topic.pk not in self._slots:
            # The minimum notice counted from the end of the hold: an offered time can still be
            # booked at the hold's last minute (and so starts after it).
            earliest = selectors.booking_window(topic, self.deadline)[0]
            latest = selectors.booking_window(topic, self.now)[1]
            found = free_slots(
                self.calendar,
                duration=timedelta(minutes=topic.duration_minutes),
                earliest=earliest,
                latest=latest,
                days=self.days,
            )
            if self.start and self.end:
                found = (s for s in found if s.start < self.end and self.start < s.end)
            self._slots[topic.pk] = list(found)
        return self._slots[topic.pk]

    def first_fit(self, entry: _Waiting, refused: set) -> Slot | None:
        options = self.options(entry)
        if not options:
            return None
        for slot in self.slots(entry.topic):
            if (slot.start in refused) or any(s < slot.end and slot.start < e for s, e in self.taken):
                continue
            if not _fits_time(entry, slot, self.tz):
                continue
            if any(o.accepts(slot.service_point_id) for o in options):
                return slot
        return None


def offer_freed_time(
    *,
    advisor_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
) -> list[SlotHold]:
    """Hold free times of this adviser for the first waiting entries they fit, in line order."""
    now = now or timezone.now()
    offered = []
    with transaction.atomic():
        advisor = Advisor.objects.select_for_update().filter(pk=advisor_id, is_active=True).first()
        if advisor is None:
            return []
        entries = _waiting_for(advisor, now.astimezone(local_zone()).date())
        if not entries:
            return []
        refused: dict[int, set] = {}
        # Times each entry already let lapse or declined with this adviser (still to come).
        for entry_id, starts_at in SlotHold.objects.filter(
            advisor=advisor,
            starts_at__gt=now,
            status__in=[SlotHold.Status.LAPSED, SlotHold.Status.RELEASED],
        ).values_list("entry_id", "starts_at"):
            refused.setdefault(entry_id, set()).add(starts_at)
        matcher = _Matcher(advisor, now, start, end)
        for entry in entries:
            slot = matcher.first_fit(entry, refused.get(entry.pk, set()))
            if slot is None:
                continue
            hold = _hold(entry, slot, now, matcher.deadline)
            if hold is None:
                continue
            matcher.taken.append((slot.start, slot.end))
            offered.append(hold)
            if len(offered) == MAX_OFFERS_PER_RUN:
                break
    return offered


def _hold(entry: _Waiting, slot: Slot, now: datetime, expires: datetime) -> SlotHold | None:
    # The conditional update takes the entry: a concurrent run for another adviser that got
    # there first leaves 0 rows, and this entry is skipped.
    if not WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistEntry.Status.WAITING).update(
        status=WaitlistEntry.Status.OFFERED, updated_at=now
    ):
        return None
    try:
        with transaction.atomic():
            hold = SlotHold.objects.create(
                entry_id=entry.pk,
                advisor_id=slot.advisor_id,
                service_point_id=slot.service_point_id,
                starts_at=slot.start,
                ends_at=slot.end,
                expires_at=expires,
                created_at=now,
            )
    except IntegrityError:  # an overlapping active hold (another run): not this time
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.WAITING)
        return None
    enqueue_offer_email(hold)
    return hold


def _close(hold: SlotHold, status: str, now: datetime) -> None:
    """End a hold (lapsed or released): the entry waits again, the time goes to the next."""
    SlotHold.objects.filter(pk=hold.pk).update(status=status, closed_at=now)
    WaitlistEntry.objects.filter(pk=hold.entry_id, status=WaitlistEntry.Status.OFFERED).update(
        status=WaitlistEntry.Status.WAITING, updated_at=now
    )
    enqueue_offer(hold.advisor_id, hold.starts_at, hold.ends_at)


def expire_holds(*, now: datetime | None = None) -> int:
    """Lapse the holds whose time to confirm has passed (beat, every 30 s)."""
    now = now or timezone.now()
    with transaction.atomic():
        lapsed = list(
            SlotHold.objects.select_for_update(skip_locked=True).filter(
                status=SlotHold.Status.ACTIVE, expires_at__lte=now
            )
        )
        for hold in lapsed:
            _close(hold, SlotHold.Status.LAPSED, now)
    return len(lapsed)


# --- The employer's answer ---------------------------------------------------------------------


def offer_token(hold: SlotHold) -> str:
    return signing.dumps({"hold": hold.pk}, salt=OFFER_SALT, compress=True)


def hold_for_token(token: str) -> SlotHold | None:
    """The hold an offer token names, or None if the token is forged, expired, malformed or
    unknown."""
    data = signed_fields(token, salt=OFFER_SALT, max_age=400 * 24 * 3600, fields={"hold": int})
    if data is None:
        return None
    return (
        SlotHold.objects.select_related(
            "entry__company",
            "entry__topic",
            "entry__municipality",
            "entry__joined_by",
            "advisor__user",
            "service_point__municipality",
        )
        .filter(pk=data["hold"])
        .first()
    )


def is_open(hold: SlotHold, now: datetime | None = None) -> bool:
    return hold.status == SlotHold.Status.ACTIVE and hold.expires_at > (now or timezone.now())


def confirm(*, hold: SlotHold, by: User | None, now: datetime | None = None):
    """Book the held time for the entry's company. WaitlistError(OFFER_GONE) if the offer has
    lapsed or been answered; BookingError from the booking itself (a limit reached): then the
    time is released to the next in line."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            current = SlotHold.objects.select_for_update().select_related("entry").get(pk=hold.pk)
            if not is_open(current, now):
                raise WaitlistError(OFFER_GONE)
            entry = current.entry
            appointment = services.book_appointment(
                company=entry.company,
                booked_by=by if by is not None and by.is_authenticated else entry.joined_by,
                topic=entry.topic,
                mode=entry.mode,
                location=entry.municipality,
                choice=services.SlotChoice(current.advisor_id, current.service_point_id, current.starts_at),
                contact_phone=entry.contact_phone,
                keep_claim=claim_key(current),
                now=now,
            )
            SlotHold.objects.filter(pk=current.pk).update(status=SlotHold.Status.CONFIRMED, closed_at=now)
            WaitlistEntry.objects.filter(pk=current.entry_id).update(
                status=WaitlistEntry.Status.BOOKED, appointment=appointment, updated_at=now
            )
            return appointment
    except services.BookingError:
        with transaction.atomic():
            current = SlotHold.objects.select_for_update().get(pk=hold.pk)
            if is_open(current, now):
                _close(current, SlotHold.Status.RELEASED, now)
        raise


def decline(*, hold: SlotHold, now: datetime | None = None) -> None:
    """Not this time: the employer stays in line, the time goes to the next."""
    now = now or timezone.now()
    with transaction.atomic():
        current = SlotHold.objects.select_for_update().get(pk=hold.pk)
        if not is_open(current, now):
            raise WaitlistError(OFFER_GONE)
        _close(current, SlotHold.Status.RELEASED, now)


# --- Email -------------------------------------------------------------------------------------


def enqueue_offer_email(hold: SlotHold) -> None:
    enqueue("appointments.send_waitlist_offer_email", hold.pk)


def send_offer_email(*, hold_id: int) -> int:
    """The offer with its link, in the recipient's language; nothing once the offer is closed."""
    hold = SlotHold.objects.select_related(
        "entry__joined_by",
        "entry__topic",
        "entry__company",
        "entry__municipality",
        "advisor__user",
        "service_point__municipality",
    ).get(pk=hold_id)
    if not is_open(hold):
        return 0
    user = hold.entry.joined_by
    if user is None or not user.is_active:
        user = (
            User.objects.filter(employer_profile__company=hold.entry.company_id, is_active=True)
            .order_by("date_joined")
            .first()
        )
    if user is None:
        return 0
    with translation.override(user.language):
        url = settings.SITE_URL + reverse("appointments:offer", args=[offer_token(hold)])
        message = build_email(
            "waitlist_offer",
            {"hold": hold, "user": user, "url": url},
            to=[user.email],
            folder="waitlist/email/",
        )
        message.send()
    return 1
