"""Programs, their stages, transitions and required documents are data: administrators edit them
here, in both languages. Files are shown with their timeline, which is never edited."""

from django.contrib import admin

from company_files.models import (
    CompanyFile,
    DocumentRequest,
    FileEntry,
    Program,
    RequiredDocument,
    Stage,
    Transition,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = (
        "position",
        "code",
        "name_fr",
        "name_en",
        "target_business_days",
        "reason_required_to_leave",
        "waits_for",
        "closes_file",
    )
    ordering = ("position",)
    show_change_link = True  # the allowed transitions out of a stage are edited on its page


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ("position", "name_fr", "name_en", "is_mandatory")
    ordering = ("position",)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "topic", "position", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("code", "name_fr", "name_en")
    prepopulated_fields = {"code": ("name_fr",)}
    inlines = [StageInline, RequiredDocumentInline]


class TransitionInline(admin.TabularInline):
    model = Transition
    fk_name = "from_stage"
    extra = 1
    fields = ("to_stage",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the stages of the same program (Transition.clean says so too).
        stage_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if db_field.name == "to_stage" and stage_id:
            program = Stage.objects.filter(pk=stage_id).values_list("program_id", flat=True).first()
            kwargs["queryset"] = Stage.objects.filter(program_id=program).exclude(pk=stage_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = (
        "name_fr",
        "program",
        "position",
        "target_business_days",
        "reason_required_to_leave",
        "closes_file",
    )
    list_filter = ("program",)
    list_select_related = ("program",)
    ordering = ("program__position", "position")
    inlines = [TransitionInline]


class FileEntryInline(admin.TabularInline):
    """The timeline is the file's record: shown, never edited."""

    model = FileEntry
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_stage", "to_stage", "document", "body")
    readonly_fields = fields
    ordering = ("at", "pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DocumentRequestInline(admin.TabularInline):
    model = DocumentRequest
    extra = 0
    fields = ("required_document", "title", "is_mandatory", "due_on", "status", "rejection_reason")
    readonly_fields = ("status", "rejection_reason")
    raw_id_fields = ("required_document",)


@admin.register(CompanyFile)
class CompanyFileAdmin(admin.ModelAdmin):
    list_display = (
        "opened_at",
        "company",
        "program",
        "stage",
        "assigned_advisor",
        "stage_due_at",
        "closed_at",
    )
    list_filter = ("program", "stage", "paused", "company__municipality__region__directorate")
    search_fields = ("uid", "company__legal_name", "company__neq")
    list_select_related = ("company", "program", "stage", "assigned_advisor__user")
    date_hierarchy = "opened_at"
    raw_id_fields = ("company", "assigned_advisor", "opened_by")
    # The stage moves through the services (allowed transitions, timeline): not here.
    readonly_fields = (
        "uid",
        "program",
        "stage",
        "stage_entered_at",
        "stage_due_at",
        "routing_reason",
        "opened_at",
        "closed_at",
    )
    inlines = [DocumentRequestInline, FileEntryInline]

    def has_add_permission(self, request):
        return False  # files are opened by employers and advisers (services.open_file)
