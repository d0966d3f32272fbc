"""Uploaded documents: refuse what is too large, empty or of a type we do not accept, and keep the
rest in the private storage under a random key.

The type is read from the content (libmagic, and for the Office formats the zip's own table of
contents), never from the name or the browser's header. Files are read in chunks: a 10 MB upload
never sits whole in memory (core/tests/test_uploads.py measures it).

    checked = check_upload(request.FILES["file"])   # UploadRefused: too_large, empty, type…
    stored = store_upload(request.FILES["file"], checked=checked)
    stored.key, stored.name, stored.content_type, stored.size, stored.sha256

The domain keeps `key` and the rest on its own row (a unique constraint on the sha256 where one
copy must be kept), scans it with core.antivirus and serves it with core.downloads.
"""

import hashlib
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

import magic
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError

STORAGE_ALIAS = "private"
CHUNK_BYTES = 64 * 1024
# libmagic reads the start of a file: 8 kB is more than any of our formats needs.
SNIFF_BYTES = 8 * 1024
NAME_MAX_CHARS = 120

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Each accepted type and the extensions a name of that type may end with (the first is added when
# the name has none of them).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}
# What libmagic may call an Office Open XML file or any other zip: the zip's contents decide.
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", DOCX, XLSX}
# The main part each accepted Office format declares in [Content_Types].xml, and the folder that
# holds it. Macro-enabled documents and templates declare other types and are refused.
OFFICE_MAIN_PARTS = {
    DOCX: (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/"),
    XLSX: (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/"),
}
CONTENT_TYPES_MAX_BYTES = 256 * 1024


class UploadRefused(ServiceError):
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    ARCHIVE = "archive"

    messages = {
        TOO_LARGE: _("This file is larger than %(limit)s, the largest file we accept."),
        EMPTY: _("This file is empty."),
        TYPE_NOT_ALLOWED: _("We accept PDF, JPEG, PNG, Word (.docx) and Excel (.xlsx) files only."),
        ARCHIVE: _(
            "Zip archives are not accepted (nor Word and Excel files with macros): send each "
            "document as a PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) file."
        ),
    }
    statuses = {TOO_LARGE: 413, EMPTY: 400, TYPE_NOT_ALLOWED: 415, ARCHIVE: 415}

    def display_params(self) -> dict:
        params = dict(self.params)
        if "limit" in params:
            params["limit"] = filesizeformat(params["limit"])
        return params


@dataclass(frozen=True)
class CheckedUpload:
    """What check_upload learned from the content."""

    name: str  # sanitised, with an extension that matches the content
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class StoredUpload(CheckedUpload):
    key: str  # the file's name in the private storage: random, no extension


# --- Reading the request ----------------------------------------------------------------------

_TOO_LARGE_ATTRIBUTE = "_upload_too_large"


class SizeLimitUploadHandler(FileUploadHandler):
    """First of settings.FILE_UPLOAD_HANDLERS: stops an upload once a file passes UPLOAD_MAX_BYTES,
    before its first byte when the request's Content-Length already says it must. Nothing of that
    file is kept; the fields before it (the CSRF token) are, so the view can answer 413
    (`refuse_oversized_upload`)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.request_length = 0
        self.announced_too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The form's other fields fit in DATA_UPLOAD_MAX_MEMORY_SIZE: a body larger than both
        # limits together holds a file over the limit, and none of its bytes need reading.
        self.request_length = content_length
        self.announced_too_large = content_length > self._limit() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return None  # the usual parser goes on

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        if self.announced_too_large:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self._limit():
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers keep the file

    def _refuse(self) -> None:
        setattr(self.request, _TOO_LARGE_ATTRIBUTE, True)
        # A modest excess is read to its end and dropped, so the browser gets the 413 page rather
        # than a reset connection; a large one is not read further.
        reset = self.request_length > 2 * self._limit()
        raise StopUpload(connection_reset=reset)

    @staticmethod
    def _limit() -> int:
        return settings.UPLOAD_MAX_BYTES


def upload_was_too_large(request: HttpRequest) -> bool:
    """Whether the upload handler dropped a file of this request for its size (read request.FILES
    or request.POST first: parsing is lazy)."""
    return getattr(request, _TOO_LARGE_ATTRIBUTE, False)


def check_upload_size(request: HttpRequest) -> None:
    """Raises UploadRefused("too_large") (a 413) when the handler dropped a file of this request:
    for views that show the refusal on their form like any other service error."""
    request.FILES  # noqa: B018 - parses the body, which runs the handler
    if upload_was_too_large(request):
        raise UploadRefused(UploadRefused.TOO_LARGE, limit=settings.UPLOAD_MAX_BYTES)


def refuse_oversized_upload(request: HttpRequest) -> HttpResponse | None:
    """A 413 with the reason when a file of this request was too large (JSON under /api/), else
    None: `if refusal := refuse_oversized_upload(request): return refusal`."""
    try:
        check_upload_size(request)
    except UploadRefused as error:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": error.message, "code": error.code}, status=error.status)
        return HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    return None


# --- Checking a file ---------------------------------------------------------------------------


def check_upload(upload: File) -> CheckedUpload:
    """The sanitised name, type, size and SHA-256 of `upload`, read in chunks; UploadRefused when it
    is empty, too large, or not a PDF, JPEG, PNG, .docx or .xlsx file."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    upload.seek(0)
    while chunk := upload.read(CHUNK_BYTES):
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        size += len(chunk)
        if size > settings.UPLOAD_MAX_BYTES:
            raise UploadRefused(UploadRefused.TOO_LARGE, limit=settings.UPLOAD_MAX_BYTES)
        digest.update(chunk)
    if size == 0:
        raise UploadRefused(UploadRefused.EMPTY)
    content_type = _content_type(head, upload)
    upload.seek(0)
    return CheckedUpload(
        name=sanitise_file_name(upload.name or "", content_type=content_type),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def _content_type(head: bytes, stream: IO[bytes]) -> str:
    found = magic.from_buffer(head, mime=True)
    if found in ZIP_TYPES or head.startswith(b"PK\x03\x04"):
        return _office_type(stream)
    if found not in EXTENSIONS:
        raise UploadRefused(UploadRefused.TYPE_NOT_ALLOWED)
    return found


def _office_type(stream: IO[bytes]) -> str:
    """DOCX or XLSX when the zip is one (its [Content_Types].xml declares the document's main part
    and the part's folder is there); any other zip is refused."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names:
                raise UploadRefused(UploadRefused.ARCHIVE)
            with archive.open("[Content_Types].xml") as entry:
                declared = entry.read(CONTENT_TYPES_MAX_BYTES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise UploadRefused(UploadRefused.TYPE_NOT_ALLOWED) from None
    matches = [
        content_type
        for content_type, (main_part, folder) in OFFICE_MAIN_PARTS.items()
        if main_part in declared and any(name.startswith(folder) for name in names)
    ]
    if len(matches) != 1:
        raise UploadRefused(UploadRefused.ARCHIVE)
    return matches[0]


def sanitise_file_name(name: str, *, content_type: str) -> str:
    """A name safe to show and to send in Content-Disposition: no folders, no control or
    direction-changing characters, at most NAME_MAX_CHARS characters, ending with an extension
    of `content_type` (kept when it already does, added otherwise)."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    # Spaces of any kind (tabs, newlines, line separators) become one space. Dropped: Cc, controls
    # (NUL…); Cf, invisible format characters, among them the right-to-left override that shows
    # "fdp.exe" as "exe.pdf"; unassigned, private-use and lone surrogate code points.
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )
    name = " ".join(name.split()).strip(". ")
    extensions = EXTENSIONS[content_type]
    stem, dot, extension = name.rpartition(".")
    if dot and f".{extension.lower()}" in extensions:
        stem, suffix = stem, f".{extension.lower()}"
    else:
        stem, suffix = name, extensions[0]
    stem = stem.strip(". ")[: NAME_MAX_CHARS - len(suffix)].rstrip(". ")
    # A cut may leave an accent without its letter (decomposed text NFC could not join).
    while stem and unicodedata.combining(stem[-1]):
        stem = stem[:-1]
    return f"{stem or 'document'}{suffix}"


# --- Keeping a file ----------------------------------------------------------------------------


def private_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def store_upload(upload: File, *, checked: CheckedUpload | None = None) -> StoredUpload:
    """Checks `upload` (unless `checked` is given) and saves it in the private storage under a
    random key. The caller deletes it (delete_stored) when its own transaction fails."""
    checked = checked or check_upload(upload)
    token = secrets.token_hex(16)
    upload.seek(0)
    key = private_storage().save(f"{token[:2]}/{token}", File(upload, name=token))
    return StoredUpload(**vars(checked), key=key)


def open_stored(key: str) -> File:
    return private_storage().open(key, "rb")


def delete_stored(key: str) -> None:
    private_storage().delete(key)
