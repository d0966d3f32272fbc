"""Public API: the municipalities gazetteer and the service points, searchable by distance."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from core.api import Pagination, query_params
from service_points import places, selectors
from service_points.distance import great_circle_km
from service_points.models import Municipality, ServicePoint


class MunicipalitySerializer(serializers.ModelSerializer):
    id = serializers.SerializerMethodField(
        help_text=_("The geographic code (37067 for Trois-Rivières): use it as `municipality`.")
    )
    mrc = serializers.CharField(
        source="mrc.name", help_text=_("MRC or equivalent territory."), allow_null=True, default=None
    )
    region = serializers.CharField(source="region.code", help_text=_("Administrative region code (01–17)."))
    label = serializers.SerializerMethodField(
        help_text=_("Name, MRC and region, which tell homonyms apart; the forms accept it as typed.")
    )

    class Meta:
        model = Municipality
        fields = ["id", "name", "designation", "mrc", "region", "label", "latitude", "longitude"]
        extra_kwargs = {
            "latitude": {"help_text": _("Degrees (WGS 84).")},
            "longitude": {"help_text": _("Degrees (WGS 84).")},
        }

    def get_id(self, municipality) -> int:
        return places.api_id(municipality)

    def get_label(self, municipality) -> str:
        return places.place_label(municipality)


class MunicipalityQuery(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        max_length=100,
        help_text=_(
            "What a person typed: a name with or without accents, hyphens or St/Ste, a former "
            "town or borough (Sainte-Foy, Hull), an English name, a postal code or FSA. Best "
            "matches first."
        ),
    )
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
        required=False, min_value=1, help_text=_("A municipality's id: nearest points first.")
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
        municipality = places.municipality_by_api_id(value)
        if municipality is None:
            raise serializers.ValidationError(_("No municipality has this id."))
        return municipality

    def validate(self, data):
        if "max_km" in data and "near" not in data:
            raise serializers.ValidationError({"max_km": _("Give `near` to search by distance.")})
        return data


@extend_schema(
    tags=["network"],
    description=_(
        "Québec's municipalities (the official list, MAMH), each with its geographic code as id, "
        "its MRC and region. Ids of the GeoNames gazetteer used before are still accepted where "
        "the place is a municipality."
    ),
)
@extend_schema_view(
    list=extend_schema(summary=_("Search the municipalities")),
    retrieve=extend_schema(
        summary=_("Get a municipality"),
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The municipality's id.")
            )
        ],
    ),
)
class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = MunicipalitySerializer
    pagination_class = Pagination
    lookup_url_kwarg = "id"
    lookup_value_regex = r"\d{1,10}"

    @extend_schema(parameters=[MunicipalityQuery])
    def list(self, request, *args, **kwargs):
        query = MunicipalityQuery(data=query_params(request))
        query.is_valid(raise_exception=True)
        region = query.validated_data.get("region")
        if search := query.validated_data.get("search", "").strip():
            rows = [m.municipality for m in places.find_places(search, limit=20).matches]
            if region:
                rows = [m for m in rows if m.region.code == region]
        else:
            rows = self.get_queryset()
            if region:
                rows = rows.filter(region__code=region)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self):
        municipality = places.municipality_by_api_id(int(self.kwargs["id"]))
        if municipality is None:
            raise NotFound
        return municipality

    def get_queryset(self):
        return Municipality.objects.select_related("mrc", "region").order_by("name", "code")


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
