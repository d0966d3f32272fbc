"""The providers' callbacks: receipts and replies are taken only with a valid signature."""

import json
import time

import pytest
from twilio.request_validator import RequestValidator

from sms.models import DeliveryReceipt, SmsContact, SmsMessage
from sms.providers.http_gateway import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from tests.booking_helpers import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

TOKEN = "twilio-test-token"
SECRET = "gateway-callback-secret"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_HTTP_CALLBACK_SECRET = SECRET


@pytest.fixture
def sent(bookable, employer_a, opted_in):
    book(bookable, employer_a)
    message = SmsMessage.objects.get(kind="confirmation")
    SmsMessage.objects.filter(pk=message.pk).update(provider="twilio", provider_id="SM123")
    message.refresh_from_db()
    return message


def twilio_post(client, settings, path, params, *, token=TOKEN):
    signed = RequestValidator(token).compute_signature(settings.SITE_URL + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signed)


def test_a_signed_twilio_receipt_is_stored_and_shown(client, settings, sent):
    path = f"/sms/twilio/status?ref={sent.uid}"
    response = twilio_post(client, settings, path, {"MessageSid": "SM123", "MessageStatus": "delivered"})
    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.status == SmsMessage.Status.DELIVERED
    assert list(sent.receipts.values_list("status", flat=True)) == ["delivered"]


def test_a_late_sent_receipt_does_not_undo_delivered(client, settings, sent):
    path = f"/sms/twilio/status?ref={sent.uid}"
    twilio_post(client, settings, path, {"MessageSid": "SM123", "MessageStatus": "delivered"})
    twilio_post(client, settings, path, {"MessageSid": "SM123", "MessageStatus": "sent"})
    sent.refresh_from_db()
    assert sent.status == SmsMessage.Status.DELIVERED
    assert sent.receipts.count() == 2


@pytest.mark.parametrize("token", ["wrong-token", ""])
def test_a_twilio_receipt_with_a_bad_signature_is_refused(client, settings, sent, token):
    path = f"/sms/twilio/status?ref={sent.uid}"
    if token:
        response = twilio_post(
            client, settings, path, {"MessageSid": "SM123", "MessageStatus": "delivered"}, token=token
        )
    else:
        response = client.post(path, {"MessageSid": "SM123", "MessageStatus": "delivered"})
    assert response.status_code == 403
    assert not DeliveryReceipt.objects.exists()


def test_a_twilio_receipt_signed_for_another_message_is_refused(client, settings, sent):
    params = {"MessageSid": "SM123", "MessageStatus": "delivered"}
    signed = RequestValidator(TOKEN).compute_signature(
        settings.SITE_URL + "/sms/twilio/status?ref=other", params
    )
    response = client.post(f"/sms/twilio/status?ref={sent.uid}", params, HTTP_X_TWILIO_SIGNATURE=signed)
    assert response.status_code == 403


def test_an_undeliverable_number_receipt_marks_the_number_refused(client, settings, sent, mailoutbox):
    path = f"/sms/twilio/status?ref={sent.uid}"
    params = {"MessageSid": "SM123", "MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert twilio_post(client, settings, path, params).status_code == 204
    sent.refresh_from_db()
    assert (sent.status, sent.reason, sent.error_code) == ("undelivered", "number_refused", "30006")
    assert SmsContact.objects.get(user=sent.user).invalid_at is not None
    assert any("textos" in m.subject for m in mailoutbox)


def test_a_signed_twilio_stop_reply_stops_texts(client, settings, sent):
    response = twilio_post(client, settings, "/sms/twilio/inbound", {"From": "+18195550101", "Body": "STOP"})
    assert response.status_code == 200 and b"<Response/>" in response.content
    assert SmsContact.objects.get(user=sent.user).opted_out_by == SmsContact.OptOut.REPLY


def test_callbacks_answer_only_post(client):
    for path in ("/sms/twilio/status", "/sms/twilio/inbound", "/sms/gateway/status", "/sms/gateway/inbound"):
        assert client.get(path).status_code == 405


def gateway_post(client, path, data, *, secret=SECRET, timestamp=None):
    body = json.dumps(data).encode()
    stamp = str(int(timestamp if timestamp is not None else time.time()))
    return client.post(
        path,
        body,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(secret, stamp, body)},
    )


def test_a_signed_gateway_receipt_is_stored(client, sent):
    response = gateway_post(
        client, "/sms/gateway/status", {"reference": str(sent.uid), "status": "delivered"}
    )
    assert response.status_code == 204
    sent.refresh_from_db()
    assert sent.status == SmsMessage.Status.DELIVERED


@pytest.mark.parametrize(
    ("secret", "age"), [("not-the-secret", 0), (SECRET, 301), (SECRET, -400)], ids=["forged", "old", "future"]
)
def test_a_gateway_receipt_forged_or_replayed_late_is_refused(client, sent, secret, age):
    response = gateway_post(
        client,
        "/sms/gateway/status",
        {"reference": str(sent.uid), "status": "delivered"},
        secret=secret,
        timestamp=time.time() - age,
    )
    assert response.status_code == 403
    assert not DeliveryReceipt.objects.exists()


def test_a_gateway_receipt_for_no_message_is_a_404(client, sent):
    response = gateway_post(client, "/sms/gateway/status", {"reference": "nope", "status": "delivered"})
    assert response.status_code == 404


def test_a_gateway_receipt_that_is_not_json_changes_nothing(client, sent):
    body = b"not json"
    stamp = str(int(time.time()))
    response = client.post(
        "/sms/gateway/status",
        body,
        content_type="application/json",
        headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(SECRET, stamp, body)},
    )
    assert response.status_code == 404


def test_a_signed_gateway_arret_reply_stops_texts(client, sent):
    assert (
        gateway_post(client, "/sms/gateway/inbound", {"from": "+18195550101", "body": "ARRÊT"}).status_code
        == 204
    )
    assert SmsContact.objects.get(user=sent.user).opted_in_at is None
