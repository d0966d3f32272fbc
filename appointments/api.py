"""API for topics, slot search, the employer's appointments and consultation requests, and the
adviser's or manager's inbox. Every write goes through appointments.services / .requests, the
same functions as the pages; only the transport differs."""

from django.core.exceptions import ValidationError as DjangoValidationError
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
from accounts.api import allow
from advisors.models import Language
from appointments import checklist, meetings, selectors, services
from appointments.forms import PHONE_REQUIRED
from appointments.models import Appointment, Mode, Topic
from core import phones
from core.api import Conflict, IsoDateTimeField, Pagination, query_params
from core.dates import ApiDateField, ApiDateTimeField
from service_points import places as service_point_places

EMPLOYER = allow(Role.EMPLOYER)


APPOINTMENT_UID = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The appointment's `uid`.")
)
# --- Fields shared by the serializers ----------------------------------------------------------


class MunicipalityIdField(serializers.IntegerField):
    """A municipality by its id, the geographic code (see /api/v1/municipalities/)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2_147_483_647)
        kwargs.setdefault(
            "help_text",
            _("Id of the company's municipality: its geographic code (37067 for Trois-Rivières)."),
        )
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        if value is None:
            return value
        municipality = service_point_places.municipality_by_api_id(value)
        if municipality is None:
            raise serializers.ValidationError(_("No municipality has this id."))
        return municipality

    def to_representation(self, value):
        return service_point_places.api_id(value)


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
    start = ApiDateField(required=False, help_text=_("Look from this day on (the “more dates” link)."))


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
    outside_territory = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "The point does not serve the company's municipality: offered only because no point "
            "that serves it has a free time."
        ),
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
    groups = SlotGroupSerializer(
        many=True,
        help_text=_("One group per adviser and place: the company's territory first, then nearest first."),
    )


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


class PhoneInputField(serializers.CharField):
    """A number to call in any usual writing, validated as the pages do (core.phones): E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("max_length", phones.MAX_LENGTH)
        kwargs.setdefault(
            "help_text",
            _(
                "The number the adviser calls; required for mode `phone`. Any usual writing "
                "(819 555-0101, +1 819 555 0101); without a country code, a Canadian number. Stored "
                "and returned in E.164."
            ),
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            return phones.to_e164(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages[0], code="invalid_phone") from None


def require_phone_for_phone_mode(data: dict) -> dict:
    """A phone consultation needs a number: 400 with the form's message otherwise."""
    if data.get("mode") == Mode.PHONE and not data.get("phone"):
        raise serializers.ValidationError({"phone": [PHONE_REQUIRED]}, code="required")
    return data


class ContactSerializer(serializers.Serializer):
    """The company's contact person, for the adviser and the manager (appointments.selectors.Contact)."""

    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField(help_text=_("E.164 (+18195550101); empty if none was given."))
    phone_display = serializers.CharField(help_text=_("As people read it: 819 555-0101."))
    language = serializers.CharField(help_text=_("Preferred language: fr-ca or en."))


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
    phone = serializers.CharField(
        source="contact_phone",
        read_only=True,
        help_text=_("The number the adviser calls, in E.164 (+18195550101); empty if none was given."),
    )
    meeting_url = serializers.SerializerMethodField(
        help_text=_(
            "For a confirmed video appointment, the employer's link to join the meeting (personal: "
            "do not share it); empty otherwise."
        )
    )
    reference = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The reference number people read out (RV-7K3-Q9M), shown on the confirmation and in the "
            "emails; null only for an appointment booked during an upgrade, until it is given one."
        ),
    )

    class Meta:
        model = Appointment
        fields = [
            "uid",
            "reference",
            "topic",
            "mode",
            "status",
            "starts_at",
            "ends_at",
            "advisor",
            "service_point",
            "municipality",
            "message",
            "phone",
            "meeting_url",
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

    def get_meeting_url(self, appointment) -> str:
        return meetings.employer_link(appointment)

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
    starts_at = ApiDateTimeField(help_text=_("A slot's `starts_at` (without an offset: Québec time)."))
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
    phone = PhoneInputField()

    def validate(self, data):
        return require_phone_for_phone_mode(data)


class RescheduleSerializer(serializers.Serializer):
    service_point = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        allow_null=True,
        help_text=_("From the slot search (the same one, or another of the adviser's points)."),
    )
    starts_at = ApiDateTimeField(help_text=_("A free time of the same adviser (slot search)."))


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
    write_scope = "booking"  # core.api.WriteThrottle: the booking page's limits

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
            "topic", "advisor__user", "service_point", "municipality", "company"
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
                contact_phone=data["phone"],
                idempotency_key=data.get("key"),
            )
        except services.BookingError as error:
            raise Conflict.refusing(error) from None
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
            raise Conflict.refusing(error) from None
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
            raise Conflict.refusing(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=appointment.pk)).data)


# --- Consultation requests ---------------------------------------------------------------------


# --- Inbox (advisers and managers) -------------------------------------------------------------
