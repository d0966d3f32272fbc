"""The adviser's email when one of their calendars keeps failing ("failing") or its busy times
have gone stale ("stale"). The address and password are never in it: the source's name and host."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from calendar_sync.models import BusySource
from core.emails import build_email

EMAILS = "calendar_sync/email/"
KINDS = ("failing", "stale")


def send_sync_trouble(*, source_id: int, kind: str) -> int:
    """Email the adviser about `kind` trouble with the source; skipped when it was fixed since
    (a sync succeeded before the email went) or the source is gone. Returns emails sent."""
    source = BusySource.objects.select_related("advisor__user").filter(pk=source_id).first()
    if source is None or kind not in KINDS:
        return 0
    still = source.stale if kind == "stale" else source.broken
    user = source.advisor.user
    if not still or not user.is_active or not user.email:
        return 0
    with translation.override(user.language):
        context = {
            "source": source,
            "kind": kind,
            "user": user,
            "error": source.get_last_error_display(),
            "link": settings.SITE_URL + reverse("advisors:busy_sources"),
        }
        build_email("sync_trouble", context, to=[user.email], folder=EMAILS).send()
    return 1
