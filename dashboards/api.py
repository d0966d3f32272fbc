"""API for regional managers and administrators: the directorates they may see and their
caseload figures, computed by the dashboard's own code (dashboards.selectors) with the same
filters and the same access rule (Catalogue.for_user)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import Role, directorates_visible_to
from accounts.api import allow
from core.api import query_params
from core.dates import ApiDateField
from dashboards import selectors as dashboard

STAFF = allow(Role.MANAGER, Role.ADMINISTRATOR)


class DirectorateSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Send it in /api/v1/directorates/{code}/caseload/."))
    name = serializers.CharField()


class CaseloadQuery(serializers.Serializer):
    """The dashboard's filters; ids come from the dashboard's lists."""

    start = ApiDateField(required=False, help_text=_("First day (default: four weeks ago)."))
    end = ApiDateField(required=False, help_text=_("Last day, inclusive (default: in four weeks)."))
    region = serializers.IntegerField(required=False, help_text=_("Employer's administrative region (id)."))
    service_point = serializers.IntegerField(required=False, help_text=_("Service point (id)."))
    advisor = serializers.IntegerField(required=False, help_text=_("Adviser (id)."))
    topic = serializers.IntegerField(required=False, help_text=_("Topic (id)."))
    mode = serializers.CharField(
        required=False, help_text=_("Meeting mode: service_point, phone, video or premises.")
    )


def _hours(duration) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 2)


class AdvisorLoadSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The adviser's id (the `advisor` filter)."))
    name = serializers.CharField(help_text=_("First and last name."))
    booked_hours = serializers.FloatField(help_text=_("Hours of appointments in the period (not cancelled)."))
    available_hours = serializers.FloatField(
        help_text=_("Hours of availability in the period, less time off and holidays.")
    )
    utilisation = serializers.FloatField(
        allow_null=True, help_text=_("Booked hours over available hours (0 to 1); null without availability.")
    )
    upcoming = serializers.IntegerField(help_text=_("Confirmed appointments still to come."))
    open_requests = serializers.IntegerField(help_text=_("Requests waiting for the adviser's answer."))
    overdue_requests = serializers.IntegerField(help_text=_("Of those, requests past their answer deadline."))


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text=_("Appointments in the period."))
    held = serializers.IntegerField(help_text=_("Marked completed."))
    cancelled = serializers.IntegerField(help_text=_("Cancelled."))
    no_show = serializers.IntegerField(help_text=_("The company did not come."))
    upcoming = serializers.IntegerField(help_text=_("Still confirmed."))


class RequestCountsSerializer(serializers.Serializer):
    sent = serializers.IntegerField(help_text=_("Consultation requests filed in the period."))
    booked = serializers.IntegerField(help_text=_("Of those, booked."))
    open = serializers.IntegerField(help_text=_("Of those, waiting for an answer."))
    overdue = serializers.IntegerField(help_text=_("Of those, past their answer deadline."))
    median_hours_to_appointment = serializers.FloatField(
        allow_null=True,
        help_text=_("Median hours from the request to its appointment; null when none was booked."),
    )


class TopicCountSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("The topic's `code`."))
    appointments = serializers.IntegerField(help_text=_("Appointments on this topic in the period."))
    requests = serializers.IntegerField(help_text=_("Requests on this topic in the period."))


class WeekSerializer(serializers.Serializer):
    week = serializers.DateField(help_text=_("The week's Monday."))
    booked = serializers.IntegerField(help_text=_("Appointments that week, every status."))
    held = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_show = serializers.IntegerField()
    requests = serializers.IntegerField(help_text=_("Requests filed that week."))


class LeadTimeSerializer(serializers.Serializer):
    service_point = serializers.CharField(help_text=_("The service point's `code`."))
    median_hours = serializers.FloatField(help_text=_("Median hours from booking to appointment."))


class CaseloadSerializer(serializers.Serializer):
    directorates = DirectorateSerializer(many=True, help_text=_("The directorates counted."))
    start = serializers.DateField(help_text=_("First day of the period."))
    end = serializers.DateField(help_text=_("Last day of the period (inclusive)."))
    appointments = CountsSerializer()
    requests = RequestCountsSerializer()
    advisors = AdvisorLoadSerializer(many=True)
    topics = TopicCountSerializer(many=True)
    lead_times = LeadTimeSerializer(many=True)
    weeks = WeekSerializer(many=True)
    employers_served = serializers.IntegerField(help_text=_("Companies with an appointment in the period."))


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


@extend_schema(
    tags=["managers"],
    summary=_("List the directorates you may see"),
    description=_(
        "The directorates whose figures the signed-in manager (one) or administrator (six) may see."
    ),
)
class DirectorateListView(APIView):
    permission_classes = [STAFF]

    @extend_schema(responses=DirectorateSerializer(many=True))
    def get(self, request):
        rows = directorates_visible_to(request.user).order_by("code")
        return Response(DirectorateSerializer(rows, many=True).data)


@extend_schema(
    tags=["managers"],
    summary=_("Read the whole network's caseload figures"),
    description=_("For administrators: the national dashboard's figures for the same filters."),
)
class CaseloadView(APIView):
    permission_classes = [STAFF]

    @extend_schema(
        parameters=[CaseloadQuery],
        responses={
            200: CaseloadSerializer,
            404: OpenApiResponse(
                description=_("Not among your directorates (the whole network: administrators only).")
            ),
        },
    )
    def get(self, request, code: str | None = None):
        catalogue = dashboard.Catalogue.for_user(request.user, code)
        if catalogue is None:
            raise NotFound  # another directorate's existence is not a secret, its figures are
        # Types and empty values first (the dashboard's form takes an empty filter as "all"), then
        # the form: ids of this catalogue, the period's bounds.
        CaseloadQuery(data=query_params(request)).is_valid(raise_exception=True)
        form = dashboard.FilterForm(request.query_params, catalogue=catalogue)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise ValidationError({field: [e["message"] for e in rows] for field, rows in errors.items()})
        filters = form.filters()
        figures = dashboard.figures(filters, catalogue=catalogue)
        return Response(CaseloadSerializer(_caseload(figures, filters, catalogue.directorates)).data)


@extend_schema(
    tags=["managers"],
    summary=_("Read a directorate's caseload figures"),
    description=_(
        "For the directorate's manager and the administrators: the dashboard's figures for the same filters."
    ),
    parameters=[
        OpenApiParameter(
            "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The directorate's `code`.")
        )
    ],
)
class DirectorateCaseloadView(CaseloadView):
    """The same figures, for one directorate (its own operation in the schema)."""
