"""An adviser's own calendars read for busy times (issue 24): the sources, their sync health, and
the busy intervals they give — start and end only (Law 25: no title, attendee or description)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from advisors.models import Advisor

# A busy interval is stored in pieces no longer than this (BusyInterval).
MAX_PIECE = timedelta(hours=12)


class SyncError(models.TextChoices):
    """Why the last sync failed, in words the adviser can act on (the page shows the label)."""

    NOT_FOUND = "not_found", _("The address was not found (HTTP 404). Check the published address.")
    REFUSED = "refused", _("The calendar server refused access. Check the user name and password.")
    SERVER = "server", _("The calendar server answered with an error. We will try again.")
    TIMEOUT = "timeout", _("The calendar server took too long to answer. We will try again.")
    UNREACHABLE = "unreachable", _("The calendar server could not be reached. We will try again.")
    TOO_LARGE = "too_large", _("The calendar is larger than we accept. Publish a shorter period.")
    REDIRECTS = "redirects", _("The address redirects too many times.")
    NOT_CALENDAR = "not_calendar", _("The address did not answer with a calendar.")
    FORBIDDEN_ADDRESS = "forbidden_address", _("This address points to a private network and cannot be used.")
    UNREADABLE = (
        "unreadable",
        _("The saved address can no longer be read. Remove the calendar and add it again."),
    )


class BusySource(models.Model):
    """One calendar of an adviser read for busy times: a published ICS address or a CalDAV
    calendar (address + user name + password, the password encrypted: calendar_sync.secrets)."""

    class Kind(models.TextChoices):
        ICS = "ics", _("Published calendar (ICS address)")
        CALDAV = "caldav", _("CalDAV calendar")

    advisor = models.ForeignKey(
        Advisor, verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="busy_sources"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    # A published ICS address carries its own secret in the path: encrypted like the password,
    # and shown only by its host (display_address).
    url_encrypted = models.TextField(_("address (encrypted)"))
    host = models.CharField(_("host"), max_length=255)
    username = models.CharField(_("user name"), max_length=200, blank=True)
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    # Sync state (calendar_sync.services.sync_source).
    next_sync_at = models.DateTimeField(_("next sync"), db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=20, choices=SyncError.choices, blank=True)
    last_error_detail = models.CharField(_("error detail"), max_length=40, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    failure_notified_at = models.DateTimeField(_("failure emailed"), null=True, blank=True)
    stale = models.BooleanField(_("stale"), default=False)
    stale_notified_at = models.DateTimeField(_("staleness emailed"), null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # SHA-256 of the last text read: a server without ETag sending the same file again is not
    # parsed again (parsing and expanding is what a sync costs: bench/calendar_sync.py).
    body_digest = models.CharField(max_length=64, blank=True)
    # The intervals stored cover up to this instant: a "not modified" answer is trusted only
    # while they still cover the horizon (a recurrence's next weeks are not in the table yet).
    expanded_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("busy-time source")
        verbose_name_plural = _("busy-time sources")
        ordering = ["advisor", "created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.host})"

    @property
    def broken(self) -> bool:
        """Failing often enough that the adviser was (or is about to be) emailed."""
        return self.consecutive_failures >= settings.CALENDAR_SYNC_FAILURES_BEFORE_EMAIL


class BusyInterval(models.Model):
    """A time the adviser's own calendar says they are busy: it blocks slots like an appointment
    (appointments.claims). Stored in pieces of at most 12 hours, because search and booking look
    for overlapping claims among those starting at most 12 hours earlier (LONGEST_BOOKING)."""

    source = models.ForeignKey(
        BusySource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="intervals"
    )
    # The source's adviser, copied so the claim query filters on (advisor, starts_at) like the
    # appointments and holds it is UNIONed with (appointments.selectors.booked_times).
    advisor = models.ForeignKey(
        Advisor, verbose_name=_("adviser"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))

    class Meta:
        verbose_name = _("busy interval")
        verbose_name_plural = _("busy intervals")
        ordering = ["advisor", "starts_at"]
        # appointments.selectors.booked_times and services._time_taken filter claims on these.
        indexes = [models.Index(fields=["advisor", "starts_at"], name="busy_advisor_starts")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="busy_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__lte=models.F("starts_at") + MAX_PIECE),
                name="busy_at_most_12_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%Y-%m-%d %H:%M}"
