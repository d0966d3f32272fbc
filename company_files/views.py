"""Company files in the browser.

Employers: "Mes dossiers", open a file for a program, the file's page (stage, what is missing,
deadlines, timeline, messages, booking an appointment about it). Several representatives of a
company share its files. Staff: "Mes dossiers" with filters, the file's page with the allowed
moves, document requests and reviews, internal notes and messages. Every page finds the file
through `selectors.files_visible_to`: another company's file, or a file outside an adviser's
directorate that is not theirs, is a 404.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Role, company_of, role_of, role_required
from company_files import selectors, services
from company_files.forms import (
    DocumentRequestForm,
    FileFilterForm,
    MessageForm,
    MoveForm,
    NoteForm,
    OpenFileForm,
    ReviewForm,
    StaffOpenFileForm,
)
from company_files.models import CompanyFile, DocumentRequest
from company_files.selectors import FileFilters

STAFF = (Role.ADVISOR, Role.MANAGER, Role.ADMINISTRATOR)


def _file(request, uid) -> CompanyFile:
    found = selectors.files_visible_to(request.user).filter(uid=uid).first()
    if found is None:
        raise Http404
    return found


def _openable(company):
    """Active programs in which the company has no open file."""
    return selectors.active_programs().exclude(files__company=company, files__closed_at__isnull=True)


def booking_url(file: CompanyFile) -> str:
    """Book an appointment about the file: its program's topic, its adviser preferred."""
    query = {"edit": "1", "topic": file.program.topic.code}
    if file.assigned_advisor_id:
        query["advisor"] = file.assigned_advisor_id
    return f"{reverse('appointments:book')}?{urlencode(query)}"


# --- Employers ---------------------------------------------------------------------------------


@role_required(Role.EMPLOYER)
def file_list(request):
    company = company_of(request.user)
    return render(
        request,
        "company_files/list.html",
        {
            "files": list(selectors.company_files(company)[:100]),
            "can_open": _openable(company).exists(),
            "now": timezone.now(),
        },
    )


@role_required(Role.EMPLOYER)
def file_open(request):
    company = company_of(request.user)
    programs = _openable(company)
    if request.method == "POST":
        form = OpenFileForm(request.POST, programs=programs)
        if form.is_valid():
            try:
                file = services.open_file(
                    company=company, program=form.cleaned_data["program"], by=request.user
                )
            except services.FileError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Your file is open. The nearest qualified adviser takes it in charge.")
                )
                return redirect("company_files:detail", uid=file.uid)
        return render(request, "company_files/open.html", {"form": form}, status=400)
    form = OpenFileForm(programs=programs, initial={"program": request.GET.get("program")})
    return render(request, "company_files/open.html", {"form": form, "programs": programs})


def _employer_page(request, file, *, form=None, error=None, status=200):
    return render(
        request,
        "company_files/detail.html",
        {
            "file": file,
            "documents": selectors.document_requests(file),
            "missing": selectors.missing_documents(file),
            "timeline": selectors.timeline(file, internal=False),
            "form": form or MessageForm(),
            "booking_url": booking_url(file),
            "error": error,
            "now": timezone.now(),
        },
        status=status,
    )


@role_required(Role.EMPLOYER)
def detail(request, uid):
    return _employer_page(request, _file(request, uid))


@role_required(Role.EMPLOYER)
def message(request, uid):
    file = _file(request, uid)
    if request.method != "POST":
        return redirect("company_files:detail", uid=uid)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _employer_page(request, file, form=form, status=400)
    try:
        services.post_message(file=file, by=request.user, body=form.cleaned_data["body"])
    except services.FileError as error:
        return _employer_page(request, file, form=form, error=error.message, status=error.status)
    messages.success(request, _("Your message is sent to your adviser."))
    return redirect("company_files:detail", uid=uid)


# --- Staff ---------------------------------------------------------------------------------------


@role_required(*STAFF)
def caseload(request):
    form = FileFilterForm(request.GET or None)
    filters = FileFilters()
    if form.is_bound and form.is_valid():
        filters = FileFilters(**form.cleaned_data)
    files = list(selectors.staff_files(request.user, filters)[:200])
    valid = not form.is_bound or form.is_valid()
    return render(
        request,
        "company_files/caseload.html",
        {
            "form": form,
            "files": files,
            "now": timezone.now(),
            "can_open": role_of(request.user) == Role.ADVISOR,
        },
        status=200 if valid else 400,
    )


@role_required(Role.ADVISOR)
def staff_open(request):
    programs = selectors.active_programs()
    form = StaffOpenFileForm(request.POST or None, programs=programs)
    if request.method == "POST":
        if form.is_valid():
            try:
                file = services.open_file(
                    company=form.cleaned_data["neq"], program=form.cleaned_data["program"], by=request.user
                )
            except services.FileError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The file is open and assigned to you."))
                return redirect("company_files:handle", uid=file.uid)
        return render(request, "company_files/staff_open.html", {"form": form}, status=400)
    return render(request, "company_files/staff_open.html", {"form": form})


def _handle_page(request, file, *, error=None, status=200, **forms):
    targets = selectors.allowed_targets(file) if file.is_open else []
    context = {
        "file": file,
        "documents": selectors.document_requests(file),
        "missing": selectors.missing_documents(file),
        "timeline": selectors.timeline(file, internal=True),
        "targets": targets,
        "move_form": forms.get("move_form") or (MoveForm(file=file, targets=targets) if targets else None),
        "document_form": forms.get("document_form") or DocumentRequestForm(file=file),
        "note_form": forms.get("note_form") or NoteForm(),
        "message_form": forms.get("message_form") or MessageForm(),
        "review_form": forms.get("review_form"),
        "error": error,
        "now": timezone.now(),
    }
    return render(request, "company_files/handle.html", context, status=status)


@role_required(*STAFF)
def handle(request, uid):
    return _handle_page(request, _file(request, uid))


def _staff_post(request, uid):
    """The file, or a redirect to its page for anything but a POST."""
    file = _file(request, uid)
    if request.method != "POST":
        return file, redirect("company_files:handle", uid=uid)
    return file, None


@role_required(*STAFF)
def move(request, uid):
    file, answer = _staff_post(request, uid)
    if answer:
        return answer
    targets = selectors.allowed_targets(file) if file.is_open else []
    form = MoveForm(request.POST, file=file, targets=targets)
    if not form.is_valid():
        return _handle_page(request, file, status=400, move_form=form)
    try:
        services.move_to_stage(
            file=file,
            to_stage=form.cleaned_data["to_stage"],
            by=request.user,
            expected_stage_id=form.cleaned_data["expected_stage"],
            reason=form.cleaned_data["reason"],
        )
    except services.FileError as error:
        file = _file(request, uid)  # as it is now: the stage someone else chose
        return _handle_page(request, file, error=error.message, status=error.status)
    messages.success(request, _("The file moved to its new stage; the employer is told by email."))
    return redirect("company_files:handle", uid=uid)


@role_required(*STAFF)
def request_document(request, uid):
    file, answer = _staff_post(request, uid)
    if answer:
        return answer
    form = DocumentRequestForm(request.POST, file=file)
    if not form.is_valid():
        return _handle_page(request, file, status=400, document_form=form)
    try:
        services.request_document(file=file, by=request.user, **form.cleaned_data)
    except services.FileError as error:
        return _handle_page(request, file, error=error.message, status=error.status, document_form=form)
    messages.success(request, _("The document is requested; the employer sees it on the file."))
    return redirect("company_files:handle", uid=uid)


@role_required(*STAFF)
def review_document(request, uid, pk):
    file, answer = _staff_post(request, uid)
    document = DocumentRequest.objects.filter(file=file, pk=pk).first()
    if document is None:
        raise Http404
    if answer:
        return answer
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _handle_page(request, file, status=400, review_form=form)
    action = form.cleaned_data["action"]
    try:
        if action == ReviewForm.RECEIVED:
            services.record_document_received(document=document, by=request.user)
        else:
            services.review_document(
                document=document,
                by=request.user,
                accept=action == ReviewForm.ACCEPT,
                reason=form.cleaned_data["reason"],
            )
    except services.FileError as error:
        return _handle_page(request, file, error=error.message, status=error.status)
    messages.success(request, _("The document’s status is recorded."))
    return redirect("company_files:handle", uid=uid)


@role_required(*STAFF)
def note(request, uid):
    file, answer = _staff_post(request, uid)
    if answer:
        return answer
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _handle_page(request, file, status=400, note_form=form)
    services.add_internal_note(file=file, by=request.user, body=form.cleaned_data["body"])
    messages.success(request, _("The note is added. The employer does not see it."))
    return redirect("company_files:handle", uid=uid)


@role_required(*STAFF)
def staff_message(request, uid):
    file, answer = _staff_post(request, uid)
    if answer:
        return answer
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _handle_page(request, file, status=400, message_form=form)
    try:
        services.post_message(file=file, by=request.user, body=form.cleaned_data["body"])
    except services.FileError as error:
        return _handle_page(request, file, error=error.message, status=error.status, message_form=form)
    messages.success(request, _("Your message is sent to the company’s representatives."))
    return redirect("company_files:handle", uid=uid)


@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def overview(request):
    """The manager's view of the directorate's open files: program × stage, overdue ones apart."""
    return render(
        request,
        "company_files/overview.html",
        {"programs": selectors.files_by_program_and_stage(request.user)},
    )
