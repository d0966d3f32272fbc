"""The adviser's calendar: the page (with a server-rendered week for browsers without JS) and
the JSON feed FullCalendar reads. Both are scoped to the signed-in adviser: no parameter names
another adviser, so there is nothing to guess."""

from datetime import date, datetime, time, timedelta, tzinfo

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import Role, role_required
from agenda.calendar import InvalidWindow, calendar_events, parse_window, window_appointments
from agenda.selectors import advisor_time_zone
from core import local_time
from core.dates import within_window


@require_GET
@role_required(Role.ADVISOR)
def calendar_feed_json(request):
    """FullCalendar's event feed for [start, end) of the signed-in adviser."""
    # FullCalendar in a named zone sends start and end without an offset, and the zone as
    # `timeZone` (the page's data-time-zone): one of Québec's, or the default one.
    asked = request.GET.get("timeZone", "")
    zone = local_time.zone(asked) if asked in local_time.Zone.values else None
    try:
        start, end = parse_window(request.GET.get("start"), request.GET.get("end"), zone)
    except InvalidWindow as error:
        return JsonResponse({"error": str(error)}, status=400)
    events = calendar_events(request.user.advisor, start, end)
    response = JsonResponse(events, safe=False)
    response["Cache-Control"] = "private, no-store"
    return response


def _monday(value: str | None, tz: tzinfo) -> date | None:
    """The Monday of the week holding `value` (YYYY-MM-DD), of this week without `value`, or None
    when `value` is not a date of the window the service accepts (core.dates)."""
    day = timezone.localdate(timezone=tz)
    if value:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None or not within_window(day):
            return None
    return day - timedelta(days=day.weekday())


@require_GET
@role_required(Role.ADVISOR)
def calendar(request):
    """The calendar page: FullCalendar on top of a plain list of the week's appointments."""
    zone_name = advisor_time_zone(request.user.advisor)
    tz = local_time.zone(zone_name)
    monday = _monday(request.GET.get("week"), tz)
    status = 200
    if monday is None:  # a bad week shows this week, with the reason and a 400
        messages.error(request, _("This week is not a date the calendar can show: here is this week."))
        monday, status = _monday(None, tz), 400
    week_start = datetime.combine(monday, time(0), tzinfo=tz)
    week_end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    page = reverse("advisors:calendar")
    return render(
        request,
        "agenda/calendar.html",
        {
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "appointments": list(window_appointments(request.user.advisor, week_start, week_end)),
            "previous_url": f"{page}?week={(monday - timedelta(days=7)).isoformat()}",
            "next_url": f"{page}?week={(monday + timedelta(days=7)).isoformat()}",
            "events_url": reverse("advisors:calendar_events"),
            "calendar_locale": get_language() or "fr-ca",
            # FullCalendar draws the week in this zone whatever the browser's (luxon3 plugin),
            # and the list below is rendered in it too.
            "time_zone": zone_name,
            "time_zone_label": local_time.zone_label(zone_name),
        },
        status=status,
    )
