"""Forms of the file pages: open a file, write, move a stage, request and review documents,
filter the adviser's list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Company
from accounts.validators import validate_neq
from company_files.models import CompanyFile, Program, RequiredDocument, Stage
from company_files.selectors import Waiting
from core import dates


class OpenFileForm(forms.Form):
    """The program of the new file: the active ones without an open file for the company."""

    program = forms.ModelChoiceField(
        label=_("Which program is the file about?"),
        queryset=Program.objects.none(),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose a program."),
            "invalid_choice": _("Choose a program from the list: the company may already have a file in it."),
        },
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs


class StaffOpenFileForm(OpenFileForm):
    """An adviser opens a file for a company, found by its NEQ."""

    field_order = ["neq", "program"]

    neq = forms.CharField(
        label=_("Québec enterprise number (NEQ) of the company"),
        max_length=10,
        validators=[validate_neq],
        error_messages={"required": _("Enter the company’s NEQ.")},
    )

    def clean_neq(self) -> Company:
        company = Company.objects.filter(neq=self.cleaned_data["neq"]).first()
        if company is None:
            raise forms.ValidationError(_("No company with this NEQ has an account yet."))
        return company


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your message first.")},
    )


class NoteForm(forms.Form):
    prefix = "note"

    body = forms.CharField(
        label=_("Internal note (never shown to the employer)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note first.")},
    )


class MoveForm(forms.Form):
    """The next stage, among the transitions allowed from the current one."""

    prefix = "move"

    to_stage = forms.ModelChoiceField(
        label=_("Move the file to"),
        queryset=Stage.objects.none(),
        empty_label=_("Choose the stage"),
        error_messages={"invalid_choice": _("Choose one of the stages offered.")},
    )
    expected_stage = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, file: CompanyFile, targets: list[Stage], **kwargs):
        kwargs.setdefault("initial", {"expected_stage": file.stage_id})
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].queryset = Stage.objects.filter(pk__in=[s.pk for s in targets]).order_by(
            "position"
        )
        if file.stage.reason_required_to_leave:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _(
                "This stage asks why the file leaves it; the employer reads it."
            )
            self.fields["reason"].error_messages["required"] = _("Say why the file leaves this stage.")
        else:
            self.fields["reason"].help_text = _(
                "Optional; the employer reads it in the email and on the file."
            )


class DocumentRequestForm(forms.Form):
    """One of the program's documents, or another described in a few words."""

    prefix = "document"

    required_document = forms.ModelChoiceField(
        label=_("Document of the program"),
        queryset=RequiredDocument.objects.none(),
        required=False,
        empty_label=_("Another document (describe it below)"),
    )
    title = forms.CharField(label=_("Other document"), max_length=200, required=False)
    is_mandatory = forms.BooleanField(label=_("Mandatory"), required=False, initial=True)
    due_on = dates.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, file: CompanyFile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_document"].queryset = RequiredDocument.objects.filter(
            program_id=file.program_id
        )

    def clean(self):
        data = super().clean()
        if not data.get("required_document") and not (data.get("title") or "").strip():
            self.add_error("title", _("Choose a document of the program or describe the one you need."))
        return data


class ReviewForm(forms.Form):
    """Record a document as received, accept it, or reject it with a reason."""

    RECEIVED, ACCEPT, REJECT = "received", "accept", "reject"

    prefix = "review"

    action = forms.ChoiceField(
        choices=[(RECEIVED, _("Received")), (ACCEPT, _("Accept")), (REJECT, _("Reject"))]
    )
    reason = forms.CharField(label=_("Reason for rejection"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == self.REJECT and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the document is rejected: the employer reads it."))
        return data


class FileFilterForm(forms.Form):
    """The filters of the staff list (GET)."""

    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.all(), required=False, empty_label=_("All programs")
    )
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        queryset=Stage.objects.select_related("program"),
        required=False,
        empty_label=_("All stages"),
    )
    waiting = forms.ChoiceField(
        label=_("Waiting for"),
        required=False,
        choices=[("", _("All files")), (Waiting.EMPLOYER, _("The employer")), (Waiting.ME, _("Me"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    closed = forms.BooleanField(label=_("Closed files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].label_from_instance = lambda s: f"{s.program.name} – {s.name}"
