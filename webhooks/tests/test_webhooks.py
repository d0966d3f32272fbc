"""Outbound webhooks against a real HTTP receiver on loopback: events written with the change that
makes them, signed, delivered in order per object, retried, given up, endpoints disabled with the
administrators told, request forgery refused, and nothing personal beyond the endpoint's scope."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import Mode
from tests.booking_helpers import book, tuesday
from webhooks import delivery, signing
from webhooks.admin import EndpointForm
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, EventType, Scope
from webhooks.tests.receiver import Receiver

pytestmark = [pytest.mark.django_db]

ALL = [choice for choice, _label in EventType.choices]


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 2.0
    return settings


def endpoint_for(receiver, events=None, scope=Scope.MINIMAL, **extra) -> Endpoint:
    endpoint = Endpoint.objects.create(
        name="Partenaire", url=receiver.url, events=events or ALL, scope=scope, **extra
    )
    receiver.secret = endpoint.secret
    return endpoint


# Events ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_now", "commits_at_once")
def test_a_booking_is_delivered_signed_to_the_endpoints_that_want_it(bookable, employer_a):
    with Receiver() as wanted, Receiver() as other:
        endpoint_for(wanted, events=[EventType.APPOINTMENT_BOOKED])
        Endpoint.objects.create(name="Autre", url=other.url, events=[EventType.APPOINTMENT_CANCELLED])
        Endpoint.objects.create(name="Inactif", url=other.url, events=ALL, is_active=False)
        appointment = book(bookable, employer_a)
        (got,) = wanted.accepted()
        assert other.received == []
    assert got["valid"] and got["type"] == "appointment.booked"
    assert got["headers"]["Webhook-Id"] == got["id"]
    assert got["data"]["uid"] == str(appointment.uid) and got["data"]["reference"] == appointment.reference
    assert got["data"]["starts_at"] == "2026-11-24T15:30:00Z"
    delivered = Delivery.objects.get()
    assert delivered.status == Delivery.Status.DELIVERED and delivered.attempts == 1
    assert DeliveryAttempt.objects.get().status_code == 200


@pytest.mark.usefixtures("frozen_now")
def test_a_change_that_rolls_back_sends_nothing(bookable, employer_a):
    Endpoint.objects.create(name="P", url="http://127.0.0.1:9/hooks", events=ALL)
    with pytest.raises(RuntimeError), transaction.atomic():
        book(bookable, employer_a)
        assert Delivery.objects.count() == 1
        raise RuntimeError
    assert not Delivery.objects.exists()


def test_a_tampered_body_or_an_old_timestamp_fails_the_check():
    body = b'{"id":"1"}'
    header = signing.signature("secret", 1_000_000, body)
    assert signing.verify(
        secret="secret", body=body, timestamp="1000000", signature_header=header, now=1_000_010
    )
    assert not signing.verify(
        secret="secret", body=body + b" ", timestamp="1000000", signature_header=header, now=1_000_010
    )
    assert not signing.verify(
        secret="autre", body=body, timestamp="1000000", signature_header=header, now=1_000_010
    )
    assert not signing.verify(
        secret="secret", body=body, timestamp="1000000", signature_header=header, now=1_000_400
    )
    assert not signing.verify(
        secret="secret", body=body, timestamp="hier", signature_header=header, now=1_000_010
    )


# Scope ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen_now", "commits_at_once")
@pytest.mark.parametrize("scope", [Scope.MINIMAL, Scope.COMPANY])
def test_nothing_personal_leaves_beyond_the_scope(bookable, employer_a, manager, scope):
    company = employer_a.employer_profile.company
    profile = employer_a.employer_profile
    profile.phone = "+18195550142"
    profile.save()
    with Receiver() as receiver:
        endpoint_for(receiver, scope=scope)
        appointment = services.book_appointment(
            company=company,
            booked_by=employer_a,
            topic=bookable.topic,
            mode=Mode.VIDEO,
            location=bookable.municipality_a,
            choice=services.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(10, 30)),
            message="Nous cherchons deux soudeurs; écrivez à rh@soudures.example",
        )
        moved = services.reschedule_appointment(
            appointment=appointment,
            choice=services.SlotChoice(bookable.advisor_a.pk, bookable.point_a.pk, tuesday(14)),
            by=employer_a,
        )
        services.cancel_appointment(
            appointment=moved, by=employer_a, reason="Le poste est pourvu, merci Julie"
        )
        got = receiver.accepted()
    assert [r["type"] for r in got] == [
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.cancelled",
    ]
    text = " ".join(r["body"].decode() for r in got)
    never = [
        employer_a.email,
        employer_a.first_name,
        employer_a.last_name,
        "819",
        "5550142",
        "soudeurs",
        "rh@soudures",
        "pourvu",
        str(appointment.meeting_url) or "jit.si",
        bookable.advisor_a.user.email,
    ]
    assert [word for word in never if word and word in text] == []
    if scope == Scope.MINIMAL:
        assert company.neq not in text and company.legal_name not in text
    else:
        assert got[0]["data"]["company"] == {"neq": company.neq, "legal_name": company.legal_name}


# Retries and order -------------------------------------------------------------------------------


@pytest.mark.usefixtures("commits_at_once")
def test_a_partner_answering_500_gets_the_events_in_order_once_it_recovers(bookable, employer_a, frozen_now):
    start, clock = timezone.now(), frozen_now
    with Receiver(statuses=[500]) as receiver:
        endpoint = endpoint_for(receiver)
        appointment = book(bookable, employer_a)
        services.cancel_appointment(appointment=appointment, by=employer_a)
        assert receiver.accepted() == []  # the first failed; the cancellation waits behind it
        first, second = Delivery.objects.order_by("id")
        assert (first.status, first.attempts, first.last_status_code) == (Delivery.Status.PENDING, 1, 500)
        assert first.next_attempt_at > start + timedelta(seconds=29) and second.attempts == 0
        assert delivery.deliver_endpoint(endpoint.pk) == 0  # nothing due yet
        clock.shift(timedelta(seconds=40))
        assert delivery.deliver_endpoint(endpoint.pk) == 2
        got = receiver.accepted()
    assert [r["type"] for r in got] == ["appointment.booked", "appointment.cancelled"]
    assert len({r["id"] for r in receiver.received}) == 2  # the retry carried the same event id
    assert Endpoint.objects.get().failing_since is None


def test_backoff_doubles_up_to_an_hour():
    waits = [delivery.retry_delay(n).total_seconds() for n in range(1, 12)]
    assert 30 <= waits[0] <= 33 and 60 <= waits[1] <= 66 and 3600 <= waits[-1] <= 3960
    assert all(a <= b * 1.1 for a, b in zip(waits, waits[1:], strict=False))


@pytest.mark.usefixtures("commits_at_once")
def test_a_delivery_is_given_up_after_a_day_and_the_endpoint_disabled_with_the_administrators_told(
    bookable, employer_a, administrator, frozen_now
):
    clock = frozen_now
    if True:
        endpoint = Endpoint.objects.create(name="Partenaire", url="http://127.0.0.1:9/hooks", events=ALL)
        book(bookable, employer_a)
        pending = Delivery.objects.get()
        assert pending.attempts == 1 and "ConnectionError" in pending.last_error
        mail.outbox.clear()
        for _ in range(40):
            clock.shift(timedelta(hours=1))
            delivery.deliver_endpoint(endpoint.pk)
    gone = Delivery.objects.get()
    endpoint.refresh_from_db()
    assert gone.status == Delivery.Status.FAILED
    assert gone.attempts == DeliveryAttempt.objects.count() >= 12  # 30 s doubling to an hour, for a day
    assert not endpoint.is_active and endpoint.disabled_at and endpoint.disabled_reason
    (message,) = mail.outbox
    assert message.to == [administrator.email] and "Partenaire" in message.subject
    assert reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]) in message.body


@pytest.mark.django_db(transaction=True)
def test_a_slow_partner_does_not_delay_another(loopback_allowed):
    loopback_allowed.WEBHOOK_TIMEOUT_SECONDS = 1.0
    with Receiver(delay=5) as slow, Receiver() as fast:
        slow_endpoint, fast_endpoint = endpoint_for(slow), endpoint_for(fast)
        for endpoint in (slow_endpoint, fast_endpoint):
            Delivery.objects.create(
                endpoint=endpoint,
                event_type=EventType.REQUEST_ROUTED,
                object_key="request:x",
                payload={"id": "1", "type": "request.routed", "data": {}},
            )
        worker = threading.Thread(target=delivery.deliver_endpoint, args=[slow_endpoint.pk])
        started = time.monotonic()
        worker.start()
        time.sleep(0.1)
        assert delivery.deliver_endpoint(fast_endpoint.pk) == 1
        fast_took = time.monotonic() - started
        worker.join(timeout=10)
        slow_took = time.monotonic() - started
    assert fast_took < 1.0
    assert 1.0 <= slow_took < 3.0  # cut by the timeout, not the partner's 5 s
    late = Delivery.objects.get(endpoint=slow_endpoint)
    assert late.status == Delivery.Status.PENDING and "No answer within" in late.last_error


# Request forgery -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://[::1]/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "http://93.184.216.34/hooks",
    ],
)
def test_the_admin_refuses_an_address_on_this_machine_or_a_private_network(loopback_allowed, url):
    loopback_allowed.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    form = EndpointForm(
        data={
            "name": "P",
            "url": url,
            "events": ALL,
            "scope": Scope.MINIMAL,
            "is_active": True,
            "secret": "s",
        }
    )
    assert not form.is_valid() and form.errors["url"]


def test_the_admin_accepts_a_public_https_address(loopback_allowed):
    loopback_allowed.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    form = EndpointForm(
        data={
            "name": "P",
            "url": "https://93.184.216.34/hooks",
            "events": ALL,
            "scope": Scope.MINIMAL,
            "is_active": True,
            "secret": "s",
        }
    )
    assert form.is_valid(), form.errors


def test_an_address_saved_before_is_checked_again_before_each_post(loopback_allowed):
    with Receiver() as receiver:
        endpoint = endpoint_for(receiver)
        Delivery.objects.create(
            endpoint=endpoint, event_type=EventType.REQUEST_ROUTED, object_key="request:x", payload={}
        )
        loopback_allowed.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
        assert delivery.deliver_endpoint(endpoint.pk) == 0
        assert receiver.received == []
    assert "réseau privé" in Delivery.objects.get().last_error


# The administrator ------------------------------------------------------------------------------


@pytest.mark.usefixtures("commits_at_once")
def test_the_administrator_reads_the_log_and_sends_a_delivery_again(client_for, administrator):
    with Receiver() as receiver:
        endpoint = endpoint_for(receiver)
        done = Delivery.objects.create(
            endpoint=endpoint,
            event_type=EventType.REQUEST_ROUTED,
            object_key="request:x",
            payload={"id": "1", "type": "t", "data": {}},
        )
        delivery.deliver_endpoint(endpoint.pk)
        client = client_for(administrator)
        page = client.get(reverse("admin:webhooks_delivery_change", args=[done.pk])).content.decode()
        assert "200" in page
        response = client.post(
            reverse("admin:webhooks_delivery_changelist"),
            {"action": "send_again", "_selected_action": [done.pk]},
        )
        assert response.status_code == 302
        assert len(receiver.accepted()) == 2
    assert DeliveryAttempt.objects.filter(delivery=done).count() == 2


def test_only_administrators_reach_the_webhook_admin(client_for, employer_a, advisor, manager):
    for user in (employer_a, advisor, manager):
        response = client_for(user).get(reverse("admin:webhooks_endpoint_changelist"))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_metrics_show_the_deliveries_waiting(client_for):
    from webhooks.selectors import delivery_gauges

    endpoint = Endpoint.objects.create(name="P", url="http://127.0.0.1:9/", events=ALL)
    Delivery.objects.create(
        endpoint=endpoint, event_type=EventType.REQUEST_ROUTED, object_key="k", payload={}, attempts=2
    )
    gauges = {name: value for name, _help, value in delivery_gauges()}
    assert gauges["midi_webhook_deliveries_pending"] == 1 and gauges["midi_webhook_deliveries_retrying"] == 1
    assert json.dumps(gauges)


def test_the_api_reference_documents_a_check_that_accepts_our_signature(client):
    import html
    import re

    page = client.get(reverse("api_reference")).content.decode()
    assert 'id="webhooks"' in page and "Webhook-Signature" in page
    (example,) = re.findall(r"<code>(import hashlib.*?)</code>", page, flags=re.S)
    namespace: dict = {}
    exec(html.unescape(example), namespace)  # the partner's code, as published
    body, now = b'{"id":"e1","type":"request.routed","data":{}}', int(time.time())
    signature = signing.signature("whsec_test", now, body)
    assert namespace["is_genuine"]("whsec_test", body, str(now), signature)
    assert not namespace["is_genuine"]("whsec_test", body + b" ", str(now), signature)
    assert not namespace["is_genuine"](
        "whsec_test", body, str(now - 400), signing.signature("whsec_test", now - 400, body)
    )
