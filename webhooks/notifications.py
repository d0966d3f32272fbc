"""The administrators are told when an endpoint is disabled, in each one's language."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from core.emails import build_email
from webhooks.models import Endpoint

EMAILS = "webhooks/email/"


def send_endpoint_disabled_email(*, endpoint_id: int) -> int:
    endpoint = Endpoint.objects.filter(pk=endpoint_id, is_active=False).first()
    if endpoint is None:  # enabled again meanwhile
        return 0
    link = settings.SITE_URL + reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
    sent = 0
    for user in User.objects.filter(is_staff=True, is_active=True).order_by("pk"):
        with translation.override(user.language):
            context = {"endpoint": endpoint, "user": user, "link": link}
            build_email("endpoint_disabled", context, to=[user.email], folder=EMAILS).send()
            sent += 1
    return sent
