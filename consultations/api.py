"""The REST API of consultation requests: the employer's requests and the adviser's inbox."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import Role, company_of
from accounts.api import allow
from appointments.api import (
    EMPLOYER,
    AdvisorRef,
    ContactSerializer,
    LanguageField,
    MunicipalityIdField,
    PhoneInputField,
    TopicCodeField,
    require_phone_for_phone_mode,
    service_point_code,
    topic_code,
)
from appointments.models import Mode
from appointments.selectors import contact_of
from consultations import selectors as request_selectors
from consultations import services as requests
from consultations.models import ConsultationRequest, RoutingDecision
from core.api import Conflict, Pagination, query_params

REQUEST_UID = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The request's `uid`.")
)


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
    phone = serializers.CharField(
        source="contact_phone",
        read_only=True,
        help_text=_("The number the adviser calls, in E.164; empty if none was given."),
    )

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
            "phone",
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
    phone = PhoneInputField()

    def validate(self, data):
        return require_phone_for_phone_mode(data)


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
            raise Conflict.refusing(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=consultation.pk)).data)


class InboxSerializer(serializers.ModelSerializer):
    topic = topic_code()
    company = serializers.CharField(source="company.legal_name", help_text=_("The company's legal name."))
    municipality = MunicipalityIdField(read_only=True)
    contact = serializers.SerializerMethodField(
        help_text=_("Who to call or write to at the company; null if their account is gone.")
    )
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
            "contact",
        ]

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, consultation) -> dict | None:
        contact = contact_of(consultation.requested_by, phone=consultation.contact_phone)
        return ContactSerializer(contact).data if contact else None


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
            ConsultationRequest.objects.filter(request_selectors.requests_waiting_for(self.request.user))
            .select_related("topic", "municipality", "company", "requested_by__employer_profile")
            .annotate(routing_reason=Subquery(latest.values("reason")[:1]))
            .order_by("due_at", "created_at", "pk")
        )
