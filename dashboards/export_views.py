"""The manager dashboard's CSV exports: the filtered appointments and requests, streamed.

The filters, the scope and the access rules are the dashboard's own (`dashboards.selectors`):
the export is what the dashboard counts, row by row. Columns are separated the way the manager's
Excel reads them: semicolons for Excel in French (Canada), which puts a comma-separated file in
column A, commas in English; the choice made on the dashboard is remembered on the user. Rows are
read as tuples in chunks (`values_list(...).iterator()`) and written to the response chunk by
chunk, so memory stays flat whatever the number of rows. The file is UTF-8 with a byte-order mark
(Excel otherwise reads it as Windows-1252) and its headers are in the visitor's language. No
employer person appears: the company, never who booked or asked, nor their email or phone.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from django import forms
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.access import Role, role_required
from accounts.models import CsvSeparator
from accounts.services import remember_csv_separator
from appointments.models import Appointment, Mode, Topic
from consultations.models import ConsultationRequest
from core import replica
from core.i18n import is_english, localized
from dashboards import satisfaction
from dashboards.selectors import Catalogue, FilterForm, Filters, filtered_appointments, filtered_requests
from midi_regions.models import AdministrativeRegion

CHUNK_ROWS = 2000
BOM = "\ufeff"
# A cell starting with one of these is a formula to Excel: free text typed by an employer or an
# adviser (a company name, a cancellation reason) is prefixed with a quote to stay text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _header(text: str) -> str:
    return capfirst(gettext(text))


def _text(value) -> str:
    value = value or ""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _local(value: datetime | None, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _labels(choices) -> dict[str, str]:
    """Code → translated label, once per response (lazy labels are slow to render per row)."""
    return {value: str(label) for value, label in choices}


def _names(queryset) -> dict[int, str]:
    """Id → name in the active language, for the small bilingual tables (topics, regions)."""
    return {obj.pk: localized(obj, "name") for obj in queryset.only("pk", "name_fr", "name_en")}


def csv_chunks(header: list[str], rows: Iterable[list], *, separator: str = ",") -> Iterator[str]:
    """The BOM and the header, then one string per CHUNK_ROWS rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    writer.writerow(header)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count == CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            count = 0
    if count:
        yield buffer.getvalue()


def appointment_rows(filters: Filters) -> tuple[list[str], Iterator[list]]:
    """The header and the rows of the appointments export (rows read lazily)."""
    tz = timezone.get_current_timezone()
    statuses = _labels(Appointment.Status.choices)
    modes = _labels(Mode.choices)
    topics = _names(Topic.objects.all())
    regions = _names(AdministrativeRegion.objects.all())
    header = [
        _header("identifier"),
        _header("starts at"),
        _header("ends at"),
        _header("status"),
        _header("mode"),
        _header("topic"),
        _header("adviser"),
        _header("service point"),
        _header("company"),
        _header("NEQ"),
        _header("municipality"),
        _header("administrative region"),
        _header("created"),
        _header("cancellation reason"),
    ]
    values = (
        filtered_appointments(filters)
        .order_by("starts_at", "pk")
        .values_list(
            "uid",
            "starts_at",
            "ends_at",
            "status",
            "mode",
            "topic_id",
            "advisor__user__first_name",
            "advisor__user__last_name",
            "service_point__host_office",
            "company__legal_name",
            "company__neq",
            "company__municipality__name",
            "company__municipality__region_id",
            "created_at",
            "cancellation_reason",
        )
    )

    # Iterated after the view returns: the database chosen for the export is named here.
    values = values.using(replica.reading_from())

    def rows() -> Iterator[list]:
        for (
            uid,
            starts_at,
            ends_at,
            status,
            mode,
            topic_id,
            first,
            last,
            point,
            company,
            neq,
            municipality,
            region_id,
            created_at,
            reason,
        ) in values.iterator(chunk_size=CHUNK_ROWS):
            yield [
                uid,
                _local(starts_at, tz),
                _local(ends_at, tz),
                statuses.get(status, status),
                modes.get(mode, mode),
                topics.get(topic_id, ""),
                _full_name(first, last),
                point or "",
                _text(company),
                neq,
                municipality,
                regions.get(region_id, ""),
                _local(created_at, tz),
                _text(reason),
            ]

    return header, rows()


def request_rows(filters: Filters) -> tuple[list[str], Iterator[list]]:
    """The header and the rows of the consultation requests export (rows read lazily)."""
    tz = timezone.get_current_timezone()
    statuses = _labels(ConsultationRequest.Status.choices)
    modes = _labels(Mode.choices)
    topics = _names(Topic.objects.all())
    regions = _names(AdministrativeRegion.objects.all())
    header = [
        _header("identifier"),
        _header("sent at"),
        _header("status"),
        _header("topic"),
        _header("mode"),
        _header("municipality"),
        _header("administrative region"),
        _header("company"),
        _header("assigned adviser"),
        _header("routing hops"),
        _header("answer due"),
        _header("accepted at"),
        _header("appointment time"),
    ]
    values = (
        filtered_requests(filters)
        .order_by("created_at", "pk")
        .values_list(
            "uid",
            "created_at",
            "status",
            "topic_id",
            "mode",
            "municipality__name",
            "municipality__region_id",
            "company__legal_name",
            "assigned_advisor__user__first_name",
            "assigned_advisor__user__last_name",
            "hops",
            "due_at",
            "accepted_at",
            "appointment__starts_at",
        )
    )

    # Iterated after the view returns: the database chosen for the export is named here.
    values = values.using(replica.reading_from())

    def rows() -> Iterator[list]:
        for (
            uid,
            created_at,
            status,
            topic_id,
            mode,
            municipality,
            region_id,
            company,
            first,
            last,
            hops,
            due_at,
            accepted_at,
            appointment_starts_at,
        ) in values.iterator(chunk_size=CHUNK_ROWS):
            yield [
                uid,
                _local(created_at, tz),
                statuses.get(status, status),
                topics.get(topic_id, ""),
                modes.get(mode, mode),
                municipality,
                regions.get(region_id, ""),
                _text(company),
                _full_name(first or "", last or ""),
                hops,
                _local(due_at, tz),
                _local(accepted_at, tz),
                _local(appointment_starts_at, tz),
            ]

    return header, rows()


def _error_text(form) -> str:
    """The form's errors, one a line, each after the label of its field."""
    lines = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        lines += [f"{field.label}: {error}" if field else str(error) for error in errors]
    return "\n".join(lines) + "\n"


def default_separator(user) -> str:
    """The user's last choice, else the one Excel expects in the page's language."""
    return user.csv_separator or (CsvSeparator.COMMA if is_english() else CsvSeparator.SEMICOLON)


class SeparatorForm(forms.Form):
    separator = forms.ChoiceField(label=_("Separator"), choices=CsvSeparator.choices, required=False)


def _export(
    request, code: str | None, kind: str, build: Callable[[Filters, Catalogue], tuple[list, Iterator]]
):
    with replica.replica_reads():
        catalogue = Catalogue.for_user(request.user, code)  # the dashboard's own access rule
        if catalogue is None:
            # Another directorate's data is private: it does not exist for this visitor.
            raise Http404
        form = FilterForm(request.GET, catalogue=catalogue)
        choice = SeparatorForm(request.GET)
        if not form.is_valid() or not choice.is_valid():
            errors = _error_text(form) if not form.is_valid() else _error_text(choice)
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        filters = form.filters()
        header, rows = build(filters, catalogue)
    separator = choice.cleaned_data["separator"]
    if separator:
        remember_csv_separator(user=request.user, separator=separator)
    else:
        separator = default_separator(request.user)
    response = StreamingHttpResponse(
        csv_chunks(header, rows, separator=separator), content_type="text/csv; charset=utf-8"
    )
    scope = code or gettext("national")
    filename = f"{slugify(kind)}-{scope}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def export_appointments(request, code: str | None = None):
    """The directorate's filtered appointments as CSV (`code` None: the national view)."""
    return _export(request, code, gettext("appointments"), lambda filters, _c: appointment_rows(filters))


@never_cache
@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def export_requests(request, code: str | None = None):
    """The directorate's filtered consultation requests as CSV (`code` None: the national view)."""
    return _export(request, code, gettext("consultation requests"), lambda filters, _c: request_rows(filters))


@never_cache
@role_required(Role.MANAGER, Role.ADMINISTRATOR)
def export_satisfaction(request, code: str | None = None):
    """The employers' verdict by topic, mode, service point and adviser as CSV, groups of fewer
    than 5 answers named only (dashboards.satisfaction)."""
    return _export(request, code, gettext("satisfaction"), satisfaction.csv_rows)
