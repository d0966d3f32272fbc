"""API for topics, slot search, the employer's appointments and consultation requests, and the
adviser's or manager's inbox. Every write goes through appointments.services / .requests, the
same functions as the pages; only the transport differs."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import Role, company_of
from advisors.models import Language
from midi_regions.api import Conflict, IsoDateTimeField, Pagination, allow, query_params
from service_points.models import Municipality

from . import checklist, requests, selectors, services
from .models import Appointment, ConsultationRequest, Mode, RoutingDecision, Topic
from .request_views import REQUEST_ERRORS
from .views import error_message

EMPLOYER = allow(Role.EMPLOYER)


def _conflict(error) -> Conflict:
    if isinstance(error, services.BookingError):
        return Conflict(detail=error_message(error), code=error.code)
    return Conflict(detail=REQUEST_ERRORS.get(error.code, _("This cannot be done now.")), code=error.code)


APPOINTMENT_UID = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The appointment's `uid`.")
)
REQUEST_UID = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The request's `uid`.")
)


# --- Fields shared by the serializers ----------------------------------------------------------


class MunicipalityIdField(serializers.IntegerField):
    """A municipality by its GeoNames id (see /api/v1/municipalities/)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2_147_483_647)
        kwargs.setdefault("help_text", _("GeoNames id of the company's municipality."))
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        if value is None:
            return value
        municipality = Municipality.objects.select_related("region").filter(geonames_id=value).first()
        if municipality is None:
            raise serializers.ValidationError(_("No municipality has this id."))
        return municipality

    def to_representation(self, value):
        return value.geonames_id


class TopicCodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("A topic's `code` (see /api/v1/topics/)."))
        super().__init__(slug_field="code", queryset=Topic.objects.filter(is_active=True), **kwargs)


def service_point_code():
    return serializers.CharField(
        source="service_point.code",
        read_only=True,
        allow_null=True,
        help_text=_("The service point's `code`; null for phone, video or premises."),
    )


def topic_code():
    return serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("The topic's `code`."))


class AdvisorRef(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The adviser's id: send it as `advisor` to book."))
    name = serializers.CharField(source="__str__", help_text=_("First and last name."))


class LanguageField(serializers.CharField):
    """A language the advisers speak (fr, en, es, …): the list changes with the advisers."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not Language.objects.filter(code=code).exists():
            raise serializers.ValidationError(_("No adviser speaks this language."))
        return code


# --- Topics ------------------------------------------------------------------------------------


class TopicSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=_("In the language of the request."))
    description = serializers.CharField(help_text=_("In the language of the request."))

    class Meta:
        model = Topic
        fields = [
            "code",
            "name",
            "description",
            "duration_minutes",
            "min_notice_business_days",
            "horizon_days",
        ]
        extra_kwargs = {"code": {"help_text": _("Send it as `topic`.")}}


@extend_schema(
    tags=["network"],
    description=_("The consultation topics an employer can book, in the language of the request."),
)
@extend_schema_view(
    list=extend_schema(summary=_("List the topics")),
    retrieve=extend_schema(
        summary=_("Get a topic"),
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The topic's `code`.")
            )
        ],
    ),
)
class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = TopicSerializer
    queryset = Topic.objects.filter(is_active=True).order_by("position", "code")
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,60}"


# --- Slot search -------------------------------------------------------------------------------


class SlotQuery(serializers.Serializer):
    topic = TopicCodeField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    municipality = MunicipalityIdField()
    language = LanguageField(required=False, help_text=_("Language of the consultation (fr, en, …)."))
    start = serializers.DateField(
        required=False, help_text=_("Look from this day on (the “more dates” link).")
    )


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(source="start", help_text=_("Send it as `starts_at` to book."))
    ends_at = serializers.DateTimeField(source="end")
    service_point = serializers.IntegerField(
        source="service_point_id",
        allow_null=True,
        help_text=_("The service point's id, to send as `service_point`; null for phone, video or premises."),
    )


class SlotGroupSerializer(serializers.Serializer):
    advisor = AdvisorRef()
    service_point = service_point_code()
    distance_km = serializers.SerializerMethodField(
        help_text=_("Distance from the company's municipality, as the crow flies.")
    )
    met_last_time = serializers.BooleanField(
        source="preferred",
        read_only=True,
        help_text=_(
            "The adviser who served the company last on this topic (listed first when within reach)."
        ),
    )
    slots = serializers.SerializerMethodField(help_text=_("The adviser's free times, earliest first."))

    def get_distance_km(self, group) -> float:
        return round(group.distance_km, 1)

    @extend_schema_field(SlotSerializer(many=True))
    def get_slots(self, group):
        return SlotSerializer([slot for _day, slots in group.days for slot in slots], many=True).data


class SlotSearchSerializer(serializers.Serializer):
    window_start = serializers.DateField(help_text=_("First day searched."))
    window_end = serializers.DateField(help_text=_("Exclusive."))
    next_from = serializers.DateField(allow_null=True, help_text=_("Pass as `start` for later dates."))
    groups = SlotGroupSerializer(many=True, help_text=_("One group per adviser and place, nearest first."))


@extend_schema(
    tags=["booking"],
    summary=_("Find the earliest free times"),
    description=_("The earliest free times of the nearest qualified advisers (the booking page's step 2)."),
)
class SlotSearchView(APIView):
    permission_classes = [EMPLOYER]

    @extend_schema(parameters=[SlotQuery], responses=SlotSearchSerializer)
    def get(self, request):
        query = SlotQuery(data=query_params(request))
        query.is_valid(raise_exception=True)
        data = query.validated_data
        last = selectors.last_advisor(company_of(request.user), data["topic"])
        search = selectors.available_slots(
            topic=data["topic"],
            mode=data["mode"],
            location=data["municipality"],
            language=data.get("language") or None,
            from_date=data.get("start"),
            prefer_advisor_id=last.pk if last else None,
        )
        return Response(SlotSearchSerializer(search).data)


# --- Appointments ------------------------------------------------------------------------------


class ChecklistEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text=_("In the language of the request."))
    ready = serializers.BooleanField(help_text=_("Ticked by the company as ready."))


class AppointmentSerializer(serializers.ModelSerializer):
    topic = topic_code()
    advisor = AdvisorRef()
    service_point = service_point_code()
    municipality = MunicipalityIdField(read_only=True)
    changeable = serializers.SerializerMethodField(
        help_text=_("Whether it can still be moved or cancelled: confirmed and not started yet.")
    )
    checklist = serializers.SerializerMethodField(
        help_text=_(
            "The topic's documents to prepare, each ticked as ready or not (the appointment page "
            "changes the ticks)."
        ),
    )

    class Meta:
        model = Appointment
        fields = [
            "uid",
            "topic",
            "mode",
            "status",
            "starts_at",
            "ends_at",
            "advisor",
            "service_point",
            "municipality",
            "message",
            "advisor_confirmed_at",
            "cancelled_at",
            "cancellation_reason",
            "created_at",
            "changeable",
            "checklist",
        ]

    def get_changeable(self, appointment) -> bool:
        return (
            appointment.status == Appointment.Status.CONFIRMED and appointment.starts_at > self.context["now"]
        )

    @extend_schema_field(ChecklistEntrySerializer(many=True))
    def get_checklist(self, appointment):
        # A page of appointments comes with its checklists loaded at once (AppointmentViewSet).
        loaded = self.context.get("checklists") or {}
        entries = loaded[appointment.pk] if appointment.pk in loaded else checklist.checklist(appointment)
        return ChecklistEntrySerializer(entries, many=True).data


class BookingSerializer(serializers.Serializer):
    topic = TopicCodeField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    municipality = MunicipalityIdField()
    advisor = serializers.IntegerField(
        min_value=1, max_value=2_147_483_647, help_text=_("From the slot search.")
    )
    service_point = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        allow_null=True,
        help_text=_("From the slot search."),
    )
    starts_at = serializers.DateTimeField(
        help_text=_("A slot's `starts_at` (without an offset: Québec time).")
    )
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text=_("For the adviser: what the company wants to discuss."),
    )
    key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_("Idempotency key: sending the same key again returns the first booking."),
    )


class RescheduleSerializer(serializers.Serializer):
    service_point = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        allow_null=True,
        help_text=_("From the slot search (the same one, or another of the adviser's points)."),
    )
    starts_at = serializers.DateTimeField(help_text=_("A free time of the same adviser (slot search)."))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, default="", help_text=_("Told to the adviser.")
    )


class AppointmentQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Appointment.Status.choices, required=False)
    after = IsoDateTimeField(required=False, help_text=_("Starting at or after."))
    before = IsoDateTimeField(required=False, help_text=_("Starting before."))


@extend_schema(
    tags=["booking"],
    description=_(
        "The company's appointments: list, book, reschedule, cancel. Another company's appointment "
        "does not exist (404)."
    ),
)
@extend_schema_view(
    list=extend_schema(summary=_("List the company's appointments")),
    retrieve=extend_schema(summary=_("Get an appointment"), parameters=[APPOINTMENT_UID]),
    create=extend_schema(summary=_("Book a time")),
    reschedule=extend_schema(summary=_("Move an appointment"), parameters=[APPOINTMENT_UID]),
    cancel=extend_schema(summary=_("Cancel an appointment"), parameters=[APPOINTMENT_UID]),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [EMPLOYER]
    serializer_class = AppointmentSerializer
    pagination_class = Pagination
    lookup_field = "uid"
    write_scope = "booking"  # midi_regions.api.WriteThrottle: the booking page's limits

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            # A list page: every appointment's checklist in one query.
            rows = list(args[0])
            kwargs["context"] = {**self.get_serializer_context(), "checklists": checklist.checklists(rows)}
            args = (rows, *args[1:])
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        rows = selectors.company_appointments(company_of(self.request.user)).select_related(
            "topic", "advisor__user", "service_point", "municipality"
        )
        if self.action != "list":
            return rows
        query = AppointmentQuery(data=query_params(self.request))
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "status" in filters:
            rows = rows.filter(status=filters["status"])
        if "after" in filters:
            rows = rows.filter(starts_at__gte=filters["after"])
        if "before" in filters:
            rows = rows.filter(starts_at__lt=filters["before"])
        return rows.order_by("-starts_at", "pk")

    @extend_schema(parameters=[AppointmentQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=BookingSerializer,
        responses={
            201: AppointmentSerializer,
            409: OpenApiResponse(description=_("The time was taken meanwhile, or is not offered.")),
        },
    )
    def create(self, request):
        form = BookingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            appointment = services.book_appointment(
                company=company_of(request.user),
                booked_by=request.user,
                topic=data["topic"],
                mode=data["mode"],
                location=data["municipality"],
                choice=services.SlotChoice(data["advisor"], data.get("service_point"), data["starts_at"]),
                message=data["message"],
                idempotency_key=data.get("key"),
            )
        except services.BookingError as error:
            raise _conflict(error) from None
        appointment = self.get_queryset().get(pk=appointment.pk)
        return Response(self.get_serializer(appointment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RescheduleSerializer,
        responses={
            200: AppointmentSerializer,
            409: OpenApiResponse(description=_("Not free, or not changeable.")),
        },
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, uid=None):
        appointment = self.get_object()
        form = RescheduleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            services.reschedule_appointment(
                appointment=appointment,
                choice=services.SlotChoice(
                    appointment.advisor_id, data.get("service_point"), data["starts_at"]
                ),
                by=request.user,
            )
        except services.BookingError as error:
            raise _conflict(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=appointment.pk)).data)

    @extend_schema(
        request=CancelSerializer,
        responses={
            200: AppointmentSerializer,
            409: OpenApiResponse(description=_("Already cancelled or past.")),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, uid=None):
        appointment = self.get_object()
        form = CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.cancel_appointment(
                appointment=appointment, by=request.user, reason=form.validated_data["reason"]
            )
        except services.BookingError as error:
            raise _conflict(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=appointment.pk)).data)


# --- Consultation requests ---------------------------------------------------------------------


class ProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    advisor = AdvisorRef()
    service_point = service_point_code()
    starts_at = serializers.DateTimeField(
        help_text=_("A time the adviser proposes; the request page books it.")
    )


class RequestSerializer(serializers.ModelSerializer):
    topic = topic_code()
    municipality = MunicipalityIdField(read_only=True)
    appointment = serializers.SlugRelatedField(
        slug_field="uid",
        read_only=True,
        allow_null=True,
        help_text=_("The booked appointment's `uid`, once booked."),
    )
    proposals = ProposalSerializer(many=True, read_only=True, help_text=_("Times the adviser proposed."))

    class Meta:
        model = ConsultationRequest
        fields = [
            "uid",
            "topic",
            "mode",
            "municipality",
            "language",
            "preferred_weekdays",
            "preferred_time",
            "message",
            "status",
            "created_at",
            "appointment",
            "proposals",
        ]


class NewRequestSerializer(serializers.Serializer):
    topic = TopicCodeField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    municipality = MunicipalityIdField()
    language = LanguageField(help_text=_("Language of the consultation (fr, en, …)."))
    preferred_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=4),
        max_length=5,
        required=False,
        default=list,
        help_text=_("Days that suit, 0 = Monday to 4 = Friday; empty: any day."),
    )
    preferred_time = serializers.ChoiceField(choices=ConsultationRequest.TimeOfDay.choices)
    message = serializers.CharField(max_length=2000, help_text=_("What the company needs, for the adviser."))


class RequestQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConsultationRequest.Status.choices, required=False)


@extend_schema(
    tags=["requests"],
    description=_(
        "The company's consultation requests: file one when no time suits, follow it, withdraw it."
    ),
)
@extend_schema_view(
    list=extend_schema(summary=_("List the company's requests")),
    retrieve=extend_schema(summary=_("Get a request"), parameters=[REQUEST_UID]),
    create=extend_schema(summary=_("File a consultation request")),
    withdraw=extend_schema(summary=_("Withdraw a request"), parameters=[REQUEST_UID]),
)
class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [EMPLOYER]
    serializer_class = RequestSerializer
    pagination_class = Pagination
    lookup_field = "uid"
    write_scope = "request"

    def get_queryset(self):
        rows = (
            ConsultationRequest.objects.filter(company=company_of(self.request.user))
            .select_related("topic", "municipality", "appointment")
            .prefetch_related("proposals__advisor__user", "proposals__service_point")
            .order_by("-created_at", "pk")
        )
        if self.action == "list":
            query = RequestQuery(data=query_params(self.request))
            query.is_valid(raise_exception=True)
            if "status" in query.validated_data:
                rows = rows.filter(status=query.validated_data["status"])
        return rows

    @extend_schema(parameters=[RequestQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=NewRequestSerializer, responses={201: RequestSerializer})
    def create(self, request):
        form = NewRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        created = requests.create_request(
            company=company_of(request.user),
            user=request.user,
            data=requests.RequestData.from_cleaned(data),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=created.pk)).data, status=201)

    @extend_schema(
        request=None,
        responses={
            200: RequestSerializer,
            409: OpenApiResponse(description=_("Already booked or withdrawn.")),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, uid=None):
        consultation = self.get_object()
        try:
            requests.withdraw_request(request=consultation, by=request.user)
        except requests.RequestError as error:
            raise _conflict(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=consultation.pk)).data)


# --- Inbox (advisers and managers) -------------------------------------------------------------


class InboxSerializer(serializers.ModelSerializer):
    topic = topic_code()
    company = serializers.CharField(source="company.legal_name", help_text=_("The company's legal name."))
    municipality = MunicipalityIdField(read_only=True)
    routing_reason = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Why routing sent the request here: nearest, tie_by_load, continuity, sla, declined, max_hops, "
            "exhausted or no_candidate."
        ),
    )

    class Meta:
        model = ConsultationRequest
        fields = [
            "uid",
            "company",
            "topic",
            "mode",
            "municipality",
            "language",
            "preferred_weekdays",
            "preferred_time",
            "message",
            "status",
            "created_at",
            "due_at",
            "routing_reason",
        ]


@extend_schema(
    tags=["advisers"],
    summary=_("List the requests waiting for you"),
    description=_(
        "Requests waiting for the signed-in adviser's answer (or the manager's, once escalated), the "
        "most urgent first, with the reason routing sent each one there."
    ),
)
class InboxView(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [allow(Role.ADVISOR, Role.MANAGER)]
    serializer_class = InboxSerializer
    pagination_class = Pagination

    def get_queryset(self):
        latest = RoutingDecision.objects.filter(request=OuterRef("pk"), hop=OuterRef("hops"))
        return (
            ConsultationRequest.objects.filter(selectors.requests_waiting_for(self.request.user))
            .select_related("topic", "municipality", "company")
            .annotate(routing_reason=Subquery(latest.values("reason")[:1]))
            .order_by("due_at", "created_at", "pk")
        )
