"""Public API: the municipalities gazetteer and the service points, searchable by distance."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from core.api import Pagination, query_params
from service_points import selectors
from service_points.distance import great_circle_km
from service_points.models import Municipality, ServicePoint


class MunicipalitySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="geonames_id", help_text=_("GeoNames id: use it as `municipality`."))
    region = serializers.CharField(source="region.code", help_text=_("Administrative region code (01–17)."))

    class Meta:
        model = Municipality
        fields = ["id", "name", "region", "latitude", "longitude"]
        extra_kwargs = {
            "latitude": {"help_text": _("Degrees (WGS 84).")},
            "longitude": {"help_text": _("Degrees (WGS 84).")},
        }


class MunicipalityQuery(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=100, help_text=_("Start of the name."))
    region = serializers.RegexField(
        r"^(0[1-9]|1[0-7])$", required=False, help_text=_("Administrative region code (01–17).")
    )


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[0-2][0-9]:[0-5][0-9]$",
        "example": "08:30",
        "description": _("Québec time"),
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time of day in Québec, "08:30": no offset, it is the same all year."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class OpeningHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text=_("0 = Monday"))
    opens = LocalTimeField()
    closes = LocalTimeField()


class ServicePointSerializer(serializers.ModelSerializer):
    municipality = MunicipalitySerializer()
    opening_hours = OpeningHoursSerializer(many=True, help_text=_("Weekly hours, Québec time."))
    languages = serializers.SerializerMethodField(help_text=_("Languages the point's advisers speak."))
    distance_km = serializers.SerializerMethodField(
        help_text=_("Distance from `near`, as the crow flies; null without `near`.")
    )

    class Meta:
        model = ServicePoint
        fields = [
            "code",
            "host_type",
            "host_office",
            "street_address",
            "postal_code",
            "municipality",
            "latitude",
            "longitude",
            "phone",
            "opening_hours",
            "languages",
            "distance_km",
        ]
        extra_kwargs = {
            "code": {"help_text": _("The point's code, in its address: /api/v1/service-points/{code}/.")},
            "latitude": {"help_text": _("Degrees (WGS 84).")},
            "longitude": {"help_text": _("Degrees (WGS 84).")},
        }

    def get_languages(self, point) -> list[str]:
        return [lang.code for lang in selectors.advisor_languages(point)]

    def get_distance_km(self, point) -> float | None:
        distance = getattr(point, "distance_km", None)
        return None if distance is None else round(distance, 1)


class ServicePointQuery(serializers.Serializer):
    near = serializers.IntegerField(
        required=False, min_value=1, help_text=_("GeoNames id of a municipality: nearest points first.")
    )
    max_km = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2000,
        help_text=_("Only the points within this distance of `near`, in km."),
    )
    region = serializers.RegexField(
        r"^(0[1-9]|1[0-7])$", required=False, help_text=_("Administrative region code (01–17).")
    )

    def validate_near(self, value):
        municipality = Municipality.objects.filter(geonames_id=value).first()
        if municipality is None:
            raise serializers.ValidationError(_("No municipality has this id."))
        return municipality

    def validate(self, data):
        if "max_km" in data and "near" not in data:
            raise serializers.ValidationError({"max_km": _("Give `near` to search by distance.")})
        return data


@extend_schema(
    tags=["network"], description=_("The gazetteer: every Québec municipality with its GeoNames id.")
)
@extend_schema_view(
    list=extend_schema(summary=_("Search the municipalities")),
    retrieve=extend_schema(
        summary=_("Get a municipality"),
        parameters=[
            OpenApiParameter(
                "geonames_id",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description=_("The municipality's GeoNames id."),
            )
        ],
    ),
)
class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = MunicipalitySerializer
    pagination_class = Pagination
    lookup_field = "geonames_id"
    lookup_value_regex = r"\d{1,10}"

    @extend_schema(parameters=[MunicipalityQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        rows = Municipality.objects.select_related("region").order_by("name", "geonames_id")
        if self.action != "list":
            return rows
        query = MunicipalityQuery(data=query_params(self.request))
        query.is_valid(raise_exception=True)
        if search := query.validated_data.get("search"):
            rows = rows.filter(name__istartswith=search.strip())
        if region := query.validated_data.get("region"):
            rows = rows.filter(region__code=region)
        return rows


@extend_schema(
    tags=["network"],
    description=_(
        "The network's active service points; with `near`, sorted by distance from a municipality."
    ),
)
@extend_schema_view(
    list=extend_schema(summary=_("List the service points, nearest first")),
    retrieve=extend_schema(
        summary=_("Get a service point"),
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The point's `code`.")
            )
        ],
    ),
)
class ServicePointViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = ServicePointSerializer
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,60}"

    @extend_schema(parameters=[ServicePointQuery])
    def list(self, request, *args, **kwargs):
        query = ServicePointQuery(data=query_params(request))
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        points = selectors.service_points_with_details()
        if region := filters.get("region"):
            points = points.filter(municipality__region__code=region)
        points = list(points.order_by("municipality__name", "host_office"))
        if near := filters.get("near"):
            for point in points:
                point.distance_km = great_circle_km(
                    near.latitude, near.longitude, point.latitude, point.longitude
                )
            limit = filters.get("max_km")
            points = sorted(
                (p for p in points if limit is None or p.distance_km <= limit), key=lambda p: p.distance_km
            )
        page = self.paginate_queryset(points)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self):
        try:
            return selectors.service_point_by_code(self.kwargs["code"])
        except ServicePoint.DoesNotExist:
            raise NotFound from None

    def get_queryset(self):
        return selectors.service_points_with_details()
