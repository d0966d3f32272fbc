"""API for regional managers and administrators: the directorates they may see and their
caseload figures, computed by the dashboard's own code (midi_regions.dashboard) with the same
filters and the same access rule (Catalogue.for_user)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import Role, directorates_visible_to

from . import dashboard
from .api import allow

STAFF = allow(Role.MANAGER, Role.ADMINISTRATOR)


class DirectorateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseloadQuery(serializers.Serializer):
    """The dashboard's filters; ids come from the dashboard's lists."""

    start = serializers.DateField(required=False, help_text="First day (default: four weeks ago).")
    end = serializers.DateField(required=False, help_text="Last day, inclusive (default: in four weeks).")
    region = serializers.IntegerField(required=False, help_text="Employer's administrative region (id).")
    service_point = serializers.IntegerField(required=False)
    advisor = serializers.IntegerField(required=False)
    topic = serializers.IntegerField(required=False)
    mode = serializers.CharField(required=False)


def _hours(duration) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 2)


class AdvisorLoadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    booked_hours = serializers.FloatField()
    available_hours = serializers.FloatField()
    utilisation = serializers.FloatField(allow_null=True)
    upcoming = serializers.IntegerField()
    open_requests = serializers.IntegerField()
    overdue_requests = serializers.IntegerField()


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    held = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_show = serializers.IntegerField()
    upcoming = serializers.IntegerField()


class RequestCountsSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    booked = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    median_hours_to_appointment = serializers.FloatField(allow_null=True)


class TopicCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    appointments = serializers.IntegerField()
    requests = serializers.IntegerField()


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField()
    booked = serializers.IntegerField()
    held = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_show = serializers.IntegerField()
    requests = serializers.IntegerField()


class LeadTimeSerializer(serializers.Serializer):
    service_point = serializers.CharField()
    median_hours = serializers.FloatField()


class CaseloadSerializer(serializers.Serializer):
    directorates = DirectorateSerializer(many=True)
    start = serializers.DateField()
    end = serializers.DateField()
    appointments = CountsSerializer()
    requests = RequestCountsSerializer()
    advisors = AdvisorLoadSerializer(many=True)
    topics = TopicCountSerializer(many=True)
    lead_times = LeadTimeSerializer(many=True)
    weeks = WeekSerializer(many=True)
    employers_served = serializers.IntegerField()


def _caseload(figures: dict, filters, directorates) -> dict:
    requests = dict(figures["requests"])
    requests["median_hours_to_appointment"] = _hours(requests.pop("median_to_appointment"))
    return {
        "directorates": directorates,
        "start": filters.start,
        "end": filters.end,
        "appointments": figures["appointments"],
        "requests": requests,
        "advisors": [
            {
                "id": row.advisor.pk,
                "name": str(row.advisor),
                "booked_hours": round(row.booked_hours, 2),
                "available_hours": round(row.available_hours, 2),
                "utilisation": None if row.utilisation is None else round(row.utilisation, 3),
                "upcoming": row.upcoming,
                "open_requests": row.open_requests,
                "overdue_requests": row.overdue_requests,
            }
            for row in figures["advisors"]
        ],
        "topics": [
            {"code": topic.code if topic else "", "appointments": booked, "requests": asked}
            for topic, booked, asked in figures["topics"]
        ],
        "lead_times": [
            {"service_point": point.code if point else "", "median_hours": _hours(median)}
            for point, median in figures["lead_times"]
        ],
        "weeks": figures["weeks"],
        "employers_served": figures["served_total"],
    }


@extend_schema(tags=["managers"])
class DirectorateListView(APIView):
    """The directorates whose figures the signed-in manager (one) or administrator (six) may see."""

    permission_classes = [STAFF]

    @extend_schema(responses=DirectorateSerializer(many=True))
    def get(self, request):
        rows = directorates_visible_to(request.user).order_by("code")
        return Response(DirectorateSerializer(rows, many=True).data)


@extend_schema(tags=["managers"])
class CaseloadView(APIView):
    """A directorate's caseload figures (its manager, administrators), or the whole network's
    (administrators): the dashboard's figures for the same filters."""

    permission_classes = [STAFF]

    @extend_schema(parameters=[CaseloadQuery], responses=CaseloadSerializer)
    def get(self, request, code: str | None = None):
        catalogue = dashboard.Catalogue.for_user(request.user, code)
        if catalogue is None:
            raise NotFound  # another directorate's existence is not a secret, its figures are
        form = dashboard.FilterForm(request.query_params, catalogue=catalogue)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise ValidationError({field: [e["message"] for e in rows] for field, rows in errors.items()})
        filters = form.filters()
        figures = dashboard.figures(filters, catalogue=catalogue)
        return Response(CaseloadSerializer(_caseload(figures, filters, catalogue.directorates)).data)
