"""A page that takes one document, as a domain's upload view would: the URLconf of the tests that
send files through the whole middleware stack (CSRF included)."""

from django.http import HttpResponse, JsonResponse
from django.urls import path

from core.errors import ServiceError
from core.uploads import refuse_oversized_upload, store_upload


def upload_document(request):
    if refusal := refuse_oversized_upload(request):
        return refusal
    try:
        stored = store_upload(request.FILES["file"])
    except ServiceError as error:
        return HttpResponse(error.message, status=error.status)
    return JsonResponse({"key": stored.key, "name": stored.name, "type": stored.content_type})


urlpatterns = [path("documents/", upload_document), path("api/v1/documents/", upload_document)]
