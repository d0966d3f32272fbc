"""Writes of the texts: a person's number and consent, opting out (page, link, STOP, provider),
a number the provider refused, the provider's receipts."""

import logging
import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.queue import enqueue
from sms import planning
from sms.models import RECEIPT_LABELS, DeliveryReceipt, SmsContact, SmsMessage

logger = logging.getLogger(__name__)

Status = SmsMessage.Status
# What a provider's receipt says → our status. Receipts come in any order: a later "sent" never
# undoes a "delivered" (RANK).
RECEIPT_STATUSES = RECEIPT_LABELS
RANK = {Status.SENDING: 0, Status.UNKNOWN: 0, Status.SENT: 1, Status.DELIVERED: 2, Status.UNDELIVERED: 2}
# Replies that stop texts (CRTC/CWTA practice in Canada: STOP and its French ARRÊT, among others).
STOP_WORDS = frozenset(
    {
        "stop",
        "arret",
        "arrêt",
        "arreter",
        "arrêter",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "stopall",
        "desabonner",
        "désabonner",
    }
)


def save_preferences(*, user, number: str, opted_in: bool, changes: bool, reminders: str) -> SmsContact:
    """The person's number (E.164, checked by the form) and choices. Opting in is explicit: the
    box ticked now; a new number clears a refusal of the old one."""
    now = timezone.now()
    with transaction.atomic():
        contact, _created = SmsContact.objects.select_for_update().get_or_create(
            user=user, defaults={"number": number}
        )
        if contact.number != number:
            contact.number = number
            contact.invalid_at, contact.invalid_reason = None, ""
        if opted_in and contact.opted_in_at is None:
            contact.opted_in_at, contact.opted_out_at, contact.opted_out_by = now, None, ""
        elif not opted_in and contact.opted_in_at is not None:
            contact.opted_in_at, contact.opted_out_at, contact.opted_out_by = (
                None,
                now,
                SmsContact.OptOut.FORM,
            )
        contact.changes = changes
        contact.reminders = reminders
        contact.save()
        contact.user = user
        planning.replan_for_contact(contact)
    logger.info("text preferences saved for user %s (opted in: %s)", user.pk, contact.opted_in_at is not None)
    return contact


def remove_number(*, user) -> None:
    """The person takes their number away: no texts, nothing kept but the row's absence."""
    with transaction.atomic():
        SmsContact.objects.filter(user=user).delete()
        SmsMessage.objects.filter(user=user, status=Status.PENDING).update(
            status=Status.SKIPPED, reason=SmsMessage.Reason.REMOVED, status_at=timezone.now()
        )


def opt_out(*, user_id: int, by: str) -> bool:
    """Stop every text to this person (the link, a STOP reply, the provider); True if they were in."""
    now = timezone.now()
    with transaction.atomic():
        stopped = SmsContact.objects.filter(user_id=user_id, opted_in_at__isnull=False).update(
            opted_in_at=None, opted_out_at=now, opted_out_by=by
        )
        SmsMessage.objects.filter(user_id=user_id, status=Status.PENDING).update(
            status=Status.SKIPPED, reason=SmsMessage.Reason.NO_CONSENT, status_at=now
        )
    if stopped:
        logger.info("texts stopped for user %s (%s)", user_id, by)
    return bool(stopped)


def mark_number_refused(*, user_id: int, number: str, reason: str) -> bool:
    """The provider says the number cannot receive texts: none is sent to it any more, and the
    person is told by email (once: only when the number was not refused already)."""
    with transaction.atomic():
        refused = SmsContact.objects.filter(user_id=user_id, number=number, invalid_at__isnull=True).update(
            invalid_at=timezone.now(), invalid_reason=reason[:200]
        )
        if refused:
            enqueue("sms.send_number_refused_email", user_id)
    return bool(refused)


def record_receipt(
    *,
    reference: str = "",
    provider: str,
    provider_id: str = "",
    status: str,
    error_code: str = "",
    number_refused: bool = False,
) -> SmsMessage | None:
    """A delivery receipt: kept, and the message's status moves forward. None: no such message."""
    messages = SmsMessage.objects.select_related("user__sms_contact")
    message = None
    if reference and re.fullmatch(r"[0-9a-f-]{32,36}", reference):
        message = messages.filter(uid=reference).first()
    if message is None and provider_id:
        message = messages.filter(provider=provider, provider_id=provider_id).first()
    if message is None:
        return None
    status = status.strip().lower()[:30]
    now = timezone.now()
    DeliveryReceipt.objects.create(
        message=message, status=status, error_code=error_code[:20], received_at=now
    )
    new = RECEIPT_STATUSES.get(status)
    if new is not None and RANK.get(new, 0) > RANK.get(message.status, -1):
        updates = {"status": new, "status_at": now}
        if provider_id and not message.provider_id:
            updates["provider_id"] = provider_id[:64]
        if error_code:
            updates["error_code"] = error_code[:20]
        if new == Status.UNDELIVERED:
            updates["reason"] = (
                SmsMessage.Reason.NUMBER_REFUSED if number_refused else SmsMessage.Reason.REFUSED
            )
        SmsMessage.objects.filter(pk=message.pk).update(**updates)
        message.status = new
    if number_refused and message.to:
        mark_number_refused(
            user_id=message.user_id, number=message.to, reason=f"Receipt: {status} {error_code}".strip()
        )
    return message


def record_reply(*, number: str, body: str, by: str = SmsContact.OptOut.REPLY) -> int:
    """A reply from a phone: STOP (or ARRÊT…) stops texts to everyone with that number."""
    word = re.sub(r"[^\w]", "", (body or "").strip().split(" ")[0].lower()) if body and body.strip() else ""
    if word not in STOP_WORDS:
        return 0
    return sum(
        opt_out(user_id=user_id, by=by)
        for user_id in SmsContact.objects.filter(number=number).values_list("user_id", flat=True)
    )


# --- Law 25 (privacy): a closed account, the retention of past appointments ----------------------


def forget_person(*, user_id: int) -> None:
    """An account closed: the number and consent go, texts not sent are not sent, the numbers
    texts were sent to are blanked (the rows stay for the statistics and the adviser's history)."""
    SmsContact.objects.filter(user_id=user_id).delete()
    SmsMessage.objects.filter(user_id=user_id, status=Status.PENDING).update(
        status=Status.SKIPPED, reason=SmsMessage.Reason.REMOVED, status_at=timezone.now()
    )
    SmsMessage.objects.filter(user_id=user_id).exclude(to="", body="").update(to="", body="")


def blank_old_texts(*, ended_before) -> int:
    """The numbers and words of the texts of appointments ended before `ended_before`: one UPDATE."""
    return (
        SmsMessage.objects.filter(appointment__ends_at__lt=ended_before)
        .filter(~Q(to="") | ~Q(body=""))
        .update(to="", body="")
    )
