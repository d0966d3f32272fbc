"""API for the signed-in adviser: the calendar (the same events as the calendar page)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import Role
from accounts.api import allow
from agenda.calendar import MAX_RANGE_DAYS, InvalidWindow, calendar_events, parse_window
from core.api import query_params


class CalendarQuery(serializers.Serializer):
    start = serializers.CharField(max_length=40, help_text=_("ISO 8601 date or date-time (inclusive)."))
    end = serializers.CharField(
        max_length=40,
        help_text=format_lazy(
            _("ISO 8601 date or date-time (exclusive), at most {days} days later."), days=MAX_RANGE_DAYS
        ),
    )


class CalendarEventSerializer(serializers.Serializer):
    id = serializers.CharField(
        required=False, help_text=_("For appointments: `appointment-` and the appointment's `uid`.")
    )
    kind = serializers.CharField(help_text=_("appointment, availability, time_off or holiday."))
    title = serializers.CharField(allow_blank=True, help_text=_("What the calendar page shows on the event."))
    start = serializers.CharField(help_text=_("Local time with offset, or a date for all-day events."))
    end = serializers.CharField(required=False, help_text=_("Like `start` (exclusive)."))
    all_day = serializers.BooleanField(help_text=_("True for holidays: `start` and `end` are then dates."))
    details = serializers.DictField(
        help_text=_(
            "Status, mode, place: what the calendar page shows; for an appointment, also `contact` "
            "(name, email, phone in E.164, phone_display, language) of the person who booked."
        )
    )


def _event(event: dict) -> dict:
    details = dict(event.get("extendedProps") or {})
    kind = details.pop("kind", "")
    row = {
        "kind": kind,
        "title": event.get("title", ""),
        "start": event["start"],
        "all_day": bool(event.get("allDay")),
        "details": details,
    }
    for name in ("id", "end"):
        if name in event:
            row[name] = event[name]
    return row


@extend_schema(
    tags=["advisers"],
    summary=_("Read your calendar"),
    description=_(
        "The signed-in adviser's appointments (every status), availability, time off and Québec "
        "holidays from `start` (inclusive) to `end` (exclusive)."
    ),
)
class CalendarView(APIView):
    permission_classes = [allow(Role.ADVISOR)]

    @extend_schema(parameters=[CalendarQuery], responses=CalendarEventSerializer(many=True))
    def get(self, request):
        query = CalendarQuery(data=query_params(request))
        query.is_valid(raise_exception=True)
        try:
            start, end = parse_window(query.validated_data["start"], query.validated_data["end"])
        except InvalidWindow as error:
            raise ValidationError({"start": [str(error)]}) from None
        events = calendar_events(request.user.advisor, start, end, with_contact=True)
        return Response([_event(e) for e in events], headers={"Cache-Control": "private, no-store"})
