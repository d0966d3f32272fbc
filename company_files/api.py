"""The REST API of company files: programs (public), files, their timeline, messages, notes,
document requests and stage moves. The same services and the same access rule as the pages
(`selectors.files_visible_to`): another company's file, or a file outside an adviser's directorate
that is not theirs, is a 404."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.access import Role, company_of, role_of
from accounts.api import allow
from accounts.models import Company
from appointments.api import AdvisorRef
from company_files import selectors, services
from company_files.models import CompanyFile, DocumentRequest, FileEntry, Program, RequiredDocument, Stage
from company_files.selectors import FileFilters
from core import dates
from core.api import Conflict, Pagination

FILE_UID = OpenApiParameter(
    "uid", OpenApiTypes.UUID, OpenApiParameter.PATH, description=_("The file's `uid`.")
)
STAFF = (Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)
PEOPLE = (Role.EMPLOYER, *STAFF)


def refusal(error: services.FileError) -> exceptions.APIException:
    """A service's refusal with its own status (400, 403 or 409), message and code."""
    refused = Conflict.refusing(error)
    refused.status_code = error.status
    return refused


# --- Programs ----------------------------------------------------------------------------------


class StageSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=_("In the caller's language."))
    next_stages = serializers.SerializerMethodField(help_text=_("Codes of the stages a file may move to."))

    class Meta:
        model = Stage
        fields = [
            "code",
            "name",
            "target_business_days",
            "reason_required_to_leave",
            "waits_for",
            "closes_file",
            "next_stages",
        ]

    def get_next_stages(self, stage) -> list[str]:
        return [t.to_stage.code for t in stage.transitions_out.all()]


class RequiredDocumentSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = RequiredDocument
        fields = ["id", "name", "is_mandatory"]


class ProgramSerializer(serializers.ModelSerializer):
    name = serializers.CharField()
    description = serializers.CharField()
    topic = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The consultation topic.")
    )
    stages = StageSerializer(many=True, read_only=True)
    required_documents = RequiredDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Program
        fields = ["code", "name", "description", "topic", "stages", "required_documents"]


@extend_schema(tags=["files"], description=_("Programs, their stages, allowed moves and required documents."))
@extend_schema_view(
    list=extend_schema(summary=_("List the programs")),
    retrieve=extend_schema(
        summary=_("Get a program"),
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The program's `code`.")
            )
        ],
    ),
)
class ProgramViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = ProgramSerializer
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,60}"

    def get_queryset(self):
        return selectors.active_programs().prefetch_related(
            "stages__transitions_out__to_stage", "required_documents"
        )


# --- Files -------------------------------------------------------------------------------------


class FileSerializer(serializers.ModelSerializer):
    company = serializers.CharField(source="company.legal_name", help_text=_("The company's legal name."))
    neq = serializers.CharField(source="company.neq")
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    stage_name = serializers.CharField(source="stage.name")
    assigned_advisor = AdvisorRef(allow_null=True)

    class Meta:
        model = CompanyFile
        fields = [
            "uid",
            "company",
            "neq",
            "program",
            "stage",
            "stage_name",
            "stage_entered_at",
            "stage_due_at",
            "assigned_advisor",
            "opened_at",
            "closed_at",
        ]


class NewFileSerializer(serializers.Serializer):
    program = serializers.SlugRelatedField(slug_field="code", queryset=Program.objects.filter(is_active=True))
    neq = serializers.RegexField(
        r"^[0-9]{10}$",
        required=False,
        help_text=_(
            "Advisers only: the company the file is for. Employers open files for their own company."
        ),
    )


class MoveSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text=_("The code of the stage to move to."))
    expected_stage = serializers.CharField(
        help_text=_("The code of the stage you saw: if the file moved meanwhile, the answer is a 409.")
    )
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class TextSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)


class EntrySerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()
    from_stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    document = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = FileEntry
        fields = ["id", "kind", "at", "by", "body", "from_stage", "to_stage", "document"]

    def get_by(self, entry) -> str | None:
        return (entry.actor.get_full_name() or entry.actor.email) if entry.actor else None


class DocumentSerializer(serializers.ModelSerializer):
    name = serializers.CharField()

    class Meta:
        model = DocumentRequest
        fields = [
            "id",
            "name",
            "required_document",
            "is_mandatory",
            "due_on",
            "status",
            "rejection_reason",
            "requested_at",
        ]


class NewDocumentSerializer(serializers.Serializer):
    required_document = serializers.IntegerField(
        required=False, help_text=_("A document of the program (its `id`).")
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_mandatory = serializers.BooleanField(default=True)
    due_on = dates.ApiDateField(required=False, allow_null=True, default=None)


@extend_schema(
    tags=["files"],
    description=_(
        "Company files: an employer's files are their company's; an adviser's, those of their directorate "
        "and those assigned to them; a manager's, the directorate's."
    ),
)
@extend_schema_view(
    list=extend_schema(summary=_("List files")),
    retrieve=extend_schema(summary=_("Get a file"), parameters=[FILE_UID]),
    create=extend_schema(
        summary=_("Open a file"), request=NewFileSerializer, responses={201: FileSerializer}
    ),
)
class FileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FileSerializer
    pagination_class = Pagination
    lookup_field = "uid"

    def get_permissions(self):
        staff_only = self.action in ("move", "notes")
        return [allow(*(STAFF if staff_only else PEOPLE))()]

    def get_queryset(self):
        if self.action == "list" and role_of(self.request.user) in STAFF:
            return selectors.staff_files(self.request.user, FileFilters())
        return selectors.files_visible_to(self.request.user).order_by("-opened_at", "pk")

    def create(self, request):
        form = NewFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        role = role_of(request.user)
        if role == Role.EMPLOYER:
            company = company_of(request.user)
        elif role == Role.ADVISOR and form.validated_data.get("neq"):
            company = Company.objects.filter(neq=form.validated_data["neq"]).first()
            if company is None:
                raise exceptions.ValidationError({"neq": [_("No company with this NEQ has an account yet.")]})
        else:
            raise exceptions.PermissionDenied(
                _("Employers, and advisers naming the company's NEQ, open files.")
            )
        try:
            file = services.open_file(
                company=company, program=form.validated_data["program"], by=request.user
            )
        except services.FileError as error:
            raise refusal(error) from None
        return Response(
            self.get_serializer(selectors.files_visible_to(request.user).get(pk=file.pk)).data, status=201
        )

    def _fresh(self, file):
        return self.get_serializer(selectors.files_visible_to(self.request.user).get(pk=file.pk)).data

    @extend_schema(
        summary=_("Move a file to another stage"),
        parameters=[FILE_UID],
        request=MoveSerializer,
        responses={
            200: FileSerializer,
            400: OpenApiResponse(description=_("A reason is needed to leave this stage.")),
            409: OpenApiResponse(description=_("Not an allowed move, or the file moved meanwhile.")),
        },
    )
    @action(detail=True, methods=["post"])
    def move(self, request, uid=None):
        file = self.get_object()
        form = MoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        stages = {s.code: s for s in file.program.stages.all()}
        target, seen = (
            stages.get(form.validated_data["stage"]),
            stages.get(form.validated_data["expected_stage"]),
        )
        if target is None or seen is None:
            raise exceptions.ValidationError({"stage": [_("No stage of this program has this code.")]})
        try:
            services.move_to_stage(
                file=file,
                to_stage=target,
                by=request.user,
                expected_stage_id=seen.pk,
                reason=form.validated_data["reason"],
            )
        except services.FileError as error:
            raise refusal(error) from None
        return Response(self._fresh(file))

    @extend_schema(
        summary=_("The file's timeline"), parameters=[FILE_UID], responses=EntrySerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, uid=None):
        file = self.get_object()
        entries = selectors.timeline(file, internal=selectors.is_staff(request.user))
        return Response(EntrySerializer(entries, many=True).data)

    @extend_schema(
        summary=_("Write on the file"),
        parameters=[FILE_UID],
        request=TextSerializer,
        responses={201: EntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def messages(self, request, uid=None):
        return self._write(services.post_message)

    @extend_schema(
        summary=_("Add an internal note (staff)"),
        parameters=[FILE_UID],
        request=TextSerializer,
        responses={201: EntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, uid=None):
        return self._write(services.add_internal_note)

    def _write(self, service):
        file = self.get_object()
        form = TextSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        try:
            entry = service(file=file, by=self.request.user, body=form.validated_data["body"])
        except services.FileError as error:
            raise refusal(error) from None
        return Response(EntrySerializer(entry).data, status=201)

    @extend_schema(
        summary=_("The file's document requests; staff request one with POST"),
        parameters=[FILE_UID],
        request=NewDocumentSerializer,
        responses={200: DocumentSerializer(many=True), 201: DocumentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def documents(self, request, uid=None):
        file = self.get_object()
        if request.method == "GET":
            return Response(DocumentSerializer(selectors.document_requests(file), many=True).data)
        form = NewDocumentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        required, required_id = None, data.pop("required_document", None)
        if required_id is not None:
            required = RequiredDocument.objects.filter(pk=required_id).first()
            if required is None:
                raise exceptions.ValidationError({"required_document": [_("No document has this id.")]})
        try:
            document = services.request_document(
                file=file, by=request.user, required_document=required, **data
            )
        except services.FileError as error:
            raise refusal(error) from None
        return Response(DocumentSerializer(document).data, status=201)
