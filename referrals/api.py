"""The REST API of referrals: a partner's systems create referrals and follow their status with
the partner's personal token, through the same service and rules as the page."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.access import Role
from accounts.api import allow
from appointments.api import LanguageField, MunicipalityIdField, PhoneInputField, TopicCodeField, topic_code
from appointments.models import Mode
from company_files.models import Program
from referrals import selectors, services
from referrals.models import Referral

PARTNER = allow(Role.PARTNER)
REFERRAL_UID = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The referral's `uid`.")
)


class ReferralSerializer(serializers.ModelSerializer):
    """What a partner may know of a referral: its status, never the adviser's notes or files."""

    company = serializers.CharField(source="company.legal_name", help_text=_("The company's legal name."))
    neq = serializers.CharField(source="company.neq", help_text=_("The company's NEQ."))
    topic = topic_code()
    organisation = serializers.CharField(source="organisation.name")
    office = serializers.CharField(source="office.name", allow_null=True, default=None)

    class Meta:
        model = Referral
        fields = [
            "uid",
            "company",
            "neq",
            "topic",
            "urgency",
            "organisation",
            "office",
            "status",
            "joined_existing",
            "created_at",
            "contacted_at",
            "meeting_held_at",
            "closed_at",
        ]


class CompanyInput(serializers.Serializer):
    legal_name = serializers.CharField(max_length=200)
    municipality = MunicipalityIdField()
    neq = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    sector = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    size = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    street_address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    confirm_new = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("True: none of the suggested companies (409 `choose_company`) is this one."),
    )


class ConsentInput(serializers.Serializer):
    given_by = serializers.CharField(max_length=150, help_text=_("Who consented, at the company."))
    given_at = serializers.DateTimeField(help_text=_("When they consented."))
    method = serializers.ChoiceField(
        choices=Referral.ConsentMethod.choices, help_text=_("How they consented.")
    )


class NewReferralSerializer(serializers.Serializer):
    company = CompanyInput()
    contact_name = serializers.CharField(max_length=150)
    contact_email = serializers.EmailField()
    contact_phone = PhoneInputField()
    topic = TopicCodeField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    program = serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.filter(is_active=True), required=False, allow_null=True
    )
    urgency = serializers.ChoiceField(choices=Referral.Urgency.choices, default=Referral.Urgency.NORMAL)
    need = serializers.CharField(max_length=2000)
    language = LanguageField(default="fr", help_text=_("Language of the consultation (fr, en, …)."))
    consent = ConsentInput(help_text=_("The company's consent to be contacted: mandatory."))


class SuggestionSerializer(serializers.Serializer):
    legal_name = serializers.CharField()
    neq = serializers.CharField()


@extend_schema(
    tags=["referrals"],
    description=_(
        "Partner organisations refer companies, with their consent, and follow each referral's status "
        "(received, contacted, meeting_held, closed)."
    ),
)
@extend_schema_view(
    list=extend_schema(summary=_("List your referrals")),
    retrieve=extend_schema(summary=_("Get a referral"), parameters=[REFERRAL_UID]),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [PARTNER]
    serializer_class = ReferralSerializer
    lookup_field = "uid"
    write_scope = "referrals"

    def get_queryset(self):
        return selectors.referrals_of(self.request.user)

    @extend_schema(
        summary=_("Refer a company"),
        request=NewReferralSerializer,
        responses={
            201: ReferralSerializer,
            400: OpenApiResponse(
                description=_("Invalid, or the consent or the new company's details missing.")
            ),
            409: OpenApiResponse(
                description=_(
                    "Companies with a similar name exist (`choose_company`): send one's NEQ, or confirm_new."
                )
            ),
        },
    )
    def create(self, request):
        form = NewReferralSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        company, consent = data["company"], data["consent"]
        referral_data = services.ReferralData(
            company=services.CompanyData(**company),
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            topic=data["topic"],
            mode=data["mode"],
            program=data.get("program"),
            urgency=data["urgency"],
            need=data["need"],
            language=data["language"],
            consent_given_by=consent["given_by"],
            consent_given_at=consent["given_at"],
            consent_method=consent["method"],
        )
        try:
            referral = services.refer_company(partner=request.user, data=referral_data)
        except services.ReferralError as error:
            if error.code == services.NOT_PARTNER:
                raise exceptions.PermissionDenied(error.message) from None
            body = {"detail": str(error.message), "code": error.code}
            if error.suggestions:
                body["suggestions"] = SuggestionSerializer(error.suggestions, many=True).data
            return Response(body, status=error.status)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=referral.pk)).data, status=status.HTTP_201_CREATED
        )
