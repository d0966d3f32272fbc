"""The REST API of group information sessions: the public list, registering and managing the
company's registrations (employers), scheduling and managing sessions (presenters, their managers,
administrators). The same services and role rules as the pages."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.access import Role, company_of
from accounts.api import allow
from advisors.models import Advisor, Language
from appointments.models import Topic
from core.api import Conflict, Pagination, query_params
from group_sessions import selectors, services
from group_sessions.forms import WEEKDAY_CODES
from group_sessions.models import (
    LONGEST_SESSION_MINUTES,
    MAX_CAPACITY,
    MAX_PARTY,
    GroupSession,
    Registration,
    SessionMode,
)
from service_points.models import ServicePoint

EMPLOYER = allow(Role.EMPLOYER)
STAFF = allow(Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
UID = OpenApiParameter("uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The `uid`."))


class SessionSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="code", read_only=True)
    language = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_point = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    presenter = serializers.CharField(source="advisor", read_only=True)
    seats_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = GroupSession
        fields = [
            "uid",
            "topic",
            "language",
            "mode",
            "service_point",
            "room",
            "starts_at",
            "ends_at",
            "capacity",
            "seats_left",
            "max_party_size",
            "registration_deadline",
            "waitlist_enabled",
            "description",
            "materials_url",
            "presenter",
            "status",
        ]


class SessionQuery(serializers.Serializer):
    topic = serializers.CharField(required=False, max_length=60)
    region = serializers.CharField(required=False, max_length=2)
    language = serializers.CharField(required=False, max_length=8)
    mode = serializers.ChoiceField(choices=SessionMode.choices, required=False)


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    email = serializers.EmailField()


class ParticipantsSerializer(serializers.Serializer):
    participants = PersonSerializer(many=True, min_length=1, max_length=MAX_PARTY)
    waitlist = serializers.BooleanField(
        required=False, default=False, help_text=_("Join the waitlist if the seats are not there.")
    )

    def people(self) -> list[services.Person]:
        return [services.Person(p["name"], p["email"]) for p in self.validated_data["participants"]]


class RegistrationSerializer(serializers.ModelSerializer):
    session = serializers.SlugRelatedField(slug_field="uid", read_only=True)
    participants = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = ["uid", "session", "status", "seats", "hold_expires_at", "participants", "created_at"]

    def get_participants(self, registration) -> list[dict]:
        return [
            {"name": p.name, "email": p.email}
            for p in registration.participants.all()
            if p.removed_at is None
        ]


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_code = "gone"


def _refusal(error: services.SessionError):
    if error.status == 400:
        return exceptions.ValidationError({"detail": error.message, "code": error.code})
    if error.status == 403:
        return exceptions.PermissionDenied(error.message)
    if error.status == 410:
        return Gone(detail=error.message, code=error.code)
    return Conflict.refusing(error)


@extend_schema(tags=["group sessions"], description=_("Upcoming group information sessions: public."))
@extend_schema_view(
    list=extend_schema(summary=_("List upcoming sessions"), parameters=[SessionQuery]),
    retrieve=extend_schema(summary=_("Get a session"), parameters=[UID]),
)
class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = SessionSerializer
    pagination_class = Pagination
    lookup_field = "uid"
    write_scope = "booking"

    def get_permissions(self):
        if self.action == "register":
            return [EMPLOYER()]
        return super().get_permissions()

    def get_queryset(self):
        if self.action == "list":
            query = SessionQuery(data=query_params(self.request))
            query.is_valid(raise_exception=True)
            return selectors.upcoming(**query.validated_data).select_related(
                "topic", "language", "service_point"
            )
        return GroupSession.objects.select_related("topic", "language", "service_point", "advisor__user")

    @extend_schema(
        summary=_("Register the company's participants"),
        request=ParticipantsSerializer,
        responses={
            201: RegistrationSerializer,
            409: OpenApiResponse(description=_("Full, closed, or the company is already registered.")),
        },
        parameters=[UID],
    )
    @action(detail=True, methods=["post"])
    def register(self, request, uid=None):
        session = self.get_object()
        form = ParticipantsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            registration = services.register(
                session=session,
                company=company_of(request.user),
                by=request.user,
                people=form.people(),
                waitlist=form.validated_data["waitlist"],
            )
        except services.SessionError as error:
            raise _refusal(error) from None
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["group sessions"], description=_("The company's registrations to group sessions."))
@extend_schema_view(
    list=extend_schema(summary=_("List the company's registrations")),
    retrieve=extend_schema(summary=_("Get a registration"), parameters=[UID]),
)
class RegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [EMPLOYER]
    serializer_class = RegistrationSerializer
    pagination_class = Pagination
    lookup_field = "uid"

    def get_queryset(self):
        return (
            Registration.objects.filter(company=company_of(self.request.user))
            .select_related("session")
            .prefetch_related("participants")
            .order_by("-created_at", "pk")
        )

    @extend_schema(
        summary=_("Replace the participants"),
        request=ParticipantsSerializer,
        responses={200: RegistrationSerializer, 409: OpenApiResponse(description=_("Not enough seats."))},
        parameters=[UID],
    )
    @action(detail=True, methods=["post"])
    def participants(self, request, uid=None):
        registration = self.get_object()
        form = ParticipantsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.change_participants(registration=registration, people=form.people())
        except services.SessionError as error:
            raise _refusal(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=registration.pk)).data)

    @extend_schema(
        summary=_("Cancel the registration"),
        request=None,
        responses={
            200: RegistrationSerializer,
            409: OpenApiResponse(description=_("Already cancelled or past.")),
        },
        parameters=[UID],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, uid=None):
        registration = self.get_object()
        try:
            services.cancel_registration(registration=registration)
        except services.SessionError as error:
            raise _refusal(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=registration.pk)).data)


class NewSessionSerializer(serializers.Serializer):
    presenter = serializers.PrimaryKeyRelatedField(
        queryset=Advisor.objects.all(), help_text=_("The adviser's id.")
    )
    topic = serializers.SlugRelatedField(slug_field="code", queryset=Topic.objects.filter(is_active=True))
    language = serializers.SlugRelatedField(slug_field="code", queryset=Language.objects.all())
    mode = serializers.ChoiceField(choices=SessionMode.choices)
    service_point = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ServicePoint.objects.select_related("municipality"),
        required=False,
        allow_null=True,
    )
    room = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    room_capacity = serializers.IntegerField(
        min_value=1, max_value=MAX_CAPACITY, required=False, allow_null=True
    )
    day = serializers.DateField()
    start_time = serializers.TimeField(help_text=_("Wall-clock time of the place."))
    duration_minutes = serializers.IntegerField(min_value=15, max_value=LONGEST_SESSION_MINUTES)
    capacity = serializers.IntegerField(min_value=1, max_value=MAX_CAPACITY)
    max_party_size = serializers.IntegerField(min_value=1, max_value=MAX_PARTY, default=5)
    deadline_hours = serializers.IntegerField(min_value=0, max_value=720, default=24)
    waitlist_enabled = serializers.BooleanField(default=True)
    description = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    materials_url = serializers.URLField(max_length=500, required=False, default="", allow_blank=True)
    every_weeks = serializers.IntegerField(
        min_value=1, max_value=4, required=False, help_text=_("A series: every N weeks on the same weekday.")
    )
    occurrences = serializers.IntegerField(min_value=2, max_value=services.MAX_OCCURRENCES, required=False)

    def validate(self, data):
        if data["mode"] == SessionMode.SERVICE_POINT and not data.get("service_point"):
            raise serializers.ValidationError({"service_point": _("Required in person.")})
        if bool(data.get("every_weeks")) != bool(data.get("occurrences")):
            raise serializers.ValidationError({"occurrences": _("Say how many sessions the series has.")})
        return data


class CapacitySerializer(serializers.Serializer):
    capacity = serializers.IntegerField(min_value=1, max_value=MAX_CAPACITY)


class CancelSessionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


@extend_schema(tags=["group sessions"], description=_("Sessions the caller presents or manages."))
@extend_schema_view(
    list=extend_schema(summary=_("List the sessions I manage")),
    retrieve=extend_schema(summary=_("Get a session I manage"), parameters=[UID]),
)
class ManagedSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [STAFF]
    serializer_class = SessionSerializer
    pagination_class = Pagination
    lookup_field = "uid"

    def get_queryset(self):
        return selectors.managed_by(self.request.user)

    @extend_schema(
        summary=_("Schedule a session or a series"),
        request=NewSessionSerializer,
        responses={
            201: SessionSerializer(many=True),
            409: OpenApiResponse(description=_("The presenter is busy.")),
        },
    )
    def create(self, request):
        form = NewSessionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        if not services.presenters_for(request.user).filter(pk=d["presenter"].pk).exists():
            raise exceptions.ValidationError(
                {"presenter": _("You cannot schedule a session for this adviser.")}
            )
        data = services.SessionData(
            advisor=d["presenter"],
            topic=d["topic"],
            language=d["language"],
            mode=d["mode"],
            service_point=d.get("service_point"),
            room=d["room"],
            room_capacity=d.get("room_capacity"),
            day=d["day"],
            start_time=d["start_time"],
            duration_minutes=d["duration_minutes"],
            capacity=d["capacity"],
            max_party_size=d["max_party_size"],
            deadline_hours=d["deadline_hours"],
            waitlist_enabled=d["waitlist_enabled"],
            description=d["description"],
            materials_url=d["materials_url"],
        )
        rule = ""
        if d.get("every_weeks"):
            weekday = WEEKDAY_CODES[d["day"].weekday()]
            rule = f"FREQ=WEEKLY;INTERVAL={d['every_weeks']};BYDAY={weekday};COUNT={d['occurrences']}"
        try:
            sessions = services.schedule_series(data=data, rule=rule, by=request.user)
        except services.SessionError as error:
            raise _refusal(error) from None
        return Response(SessionSerializer(sessions, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change the capacity"),
        request=CapacitySerializer,
        responses={
            200: SessionSerializer,
            409: OpenApiResponse(description=_("Below the seats registered.")),
        },
        parameters=[UID],
    )
    @action(detail=True, methods=["post"])
    def capacity(self, request, uid=None):
        session = self.get_object()
        form = CapacitySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            session = services.change_capacity(
                session=session, capacity=form.validated_data["capacity"], by=request.user
            )
        except services.SessionError as error:
            raise _refusal(error) from None
        return Response(SessionSerializer(session).data)

    @extend_schema(
        summary=_("Cancel the session"),
        request=CancelSessionSerializer,
        responses={200: SessionSerializer, 409: OpenApiResponse(description=_("Already cancelled or past."))},
        parameters=[UID],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, uid=None):
        session = self.get_object()
        form = CancelSessionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            session = services.cancel_session(
                session=session, by=request.user, reason=form.validated_data["reason"]
            )
        except services.SessionError as error:
            raise _refusal(error) from None
        return Response(SessionSerializer(session).data)
