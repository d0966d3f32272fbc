"""Serving a stored document, after the view has checked who may see it and that it may be
served (core.antivirus.may_serve).

    return stored_file_response(key=doc.storage_key, name=doc.name, content_type=doc.content_type)

The app streams the file in chunks (FileResponse), or, where nginx serves the private folder
(settings.DOCUMENT_ACCEL_REDIRECT_PREFIX, deploy/nginx.conf), answers with X-Accel-Redirect and
nginx sends it. Always as an attachment, with the sanitised name in both forms of RFC 6266 and
`nosniff`, so no browser renders an upload as a page of our site.
"""

import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse

from core.uploads import open_stored


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback (filename) and the exact name (filename*, RFC 5987)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in fallback).strip()
    stem, dot, extension = fallback.rpartition(".") if "." in fallback else (fallback, "", "")
    if not stem.strip(" ._"):  # nothing left of a name in another script ("文件.pdf")
        fallback = f"document{dot}{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def stored_file_response(*, key: str, name: str, content_type: str) -> HttpResponse:
    """The download of the stored file `key` as `name` (already sanitised: core.uploads)."""
    prefix = settings.DOCUMENT_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(key)
    else:
        response = FileResponse(open_stored(key), content_type=content_type)
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    # Personal documents: no shared cache keeps a copy, the browser does not store one either.
    response["Cache-Control"] = "private, no-store"
    return response
