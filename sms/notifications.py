"""The email telling a person that their mobile number cannot receive texts."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from core.emails import build_email
from sms.models import SmsContact
from sms.selectors import masked_number


def send_number_refused_email(*, user_id: int) -> int:
    """Skipped when the number was changed or accepted again meanwhile."""
    contact = (
        SmsContact.objects.filter(user_id=user_id, invalid_at__isnull=False).select_related("user").first()
    )
    if contact is None or not contact.user.is_active:
        return 0
    user: User = contact.user
    with translation.override(user.language):
        context = {
            "user": user,
            "number_end": masked_number(contact.number),
            "link": settings.SITE_URL + reverse("accounts:sms_preferences"),
        }
        build_email("number_refused", context, to=[user.email], folder="sms/email/").send()
    return 1
