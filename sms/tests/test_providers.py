"""The Twilio adapter (the official client, Twilio's servers replaced by one on loopback) and the
government gateway adapter (a real HTTP gateway on loopback): what they send, how their refusals
are read, and that no number reaches the logs."""

import io
import json
import logging
import re
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from twilio.http.http_client import TwilioHttpClient

from core.logs import JsonFormatter
from sms import notifications, providers, sending, services
from sms.models import SmsContact, SmsMessage
from sms.providers import SendError
from sms.providers.http_gateway import HttpGatewayProvider
from sms.providers.twilio_sms import TwilioProvider
from sms.tests.servers import Gateway, TwilioApi, twilio_error
from tests.booking_helpers import book

NUMBER = "+18195550101"


class LoopbackTwilio(TwilioHttpClient):
    """Twilio's own HTTP client, its requests sent to our stand-in for api.twilio.com."""

    def __init__(self, port: int, **kwargs):
        super().__init__(**kwargs)
        self.port = port

    def request(self, method, url, *args, **kwargs):
        url = url.replace("https://api.twilio.com", f"http://127.0.0.1:{self.port}")
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def twilio_api():
    with TwilioApi() as api:
        yield api


@pytest.fixture
def twilio(twilio_api):
    return TwilioProvider(
        account_sid="AC" + "0" * 32,
        auth_token="twilio-test-token",
        sender="+15145550000",
        timeout=2,
        http_client=LoopbackTwilio(twilio_api.port, timeout=2),
    )


def test_twilio_sends_with_the_official_client(twilio, twilio_api):
    sent = twilio.send(
        to=NUMBER, body="MIFI : bonjour", reference="ref-1", callback_url="https://x/sms/twilio/status?ref=1"
    )
    (request,) = twilio_api.requests
    assert request["path"] == f"/2010-04-01/Accounts/AC{'0' * 32}/Messages.json"
    assert request["form"] == {
        "To": NUMBER,
        "From": "+15145550000",
        "Body": "MIFI : bonjour",
        "StatusCallback": "https://x/sms/twilio/status?ref=1",
    }
    assert request["headers"]["Authorization"].startswith("Basic ")
    assert sent.provider_id.startswith("SM")


@pytest.mark.parametrize(
    ("answer", "outcome", "invalid", "opted_out"),
    [
        (
            twilio_error(400, 21211, f"The 'To' number {NUMBER} is not a valid phone number."),
            "permanent",
            True,
            False,
        ),
        (
            twilio_error(400, 21614, f"'To' number {NUMBER} is not a valid mobile number"),
            "permanent",
            True,
            False,
        ),
        (twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"), "permanent", False, True),
        (twilio_error(429, 20429, "Too Many Requests"), "retry", False, False),
        (twilio_error(500, 20500, "Internal Server Error"), "ambiguous", False, False),
        (twilio_error(401, 20003, "Authenticate"), "permanent", False, False),
    ],
)
def test_twilio_refusals_are_read_by_their_code(twilio, twilio_api, answer, outcome, invalid, opted_out):
    twilio_api.script.append(answer)
    with pytest.raises(SendError) as caught:
        twilio.send(to=NUMBER, body="x", reference="r", callback_url="https://x/")
    error = caught.value
    assert (error.outcome, error.invalid_number, error.opted_out) == (outcome, invalid, opted_out)
    assert NUMBER not in str(error)  # Twilio's message quotes the number: only the code is kept


def test_twilio_unreachable_is_retried():
    dead = TwilioProvider(
        account_sid="AC" + "0" * 32,
        auth_token="t",
        sender="+15145550000",
        timeout=1,
        http_client=LoopbackTwilio(1, timeout=1),  # nothing listens on port 1
    )
    with pytest.raises(SendError) as caught:
        dead.send(to=NUMBER, body="x", reference="r", callback_url="https://x/")
    assert caught.value.outcome == "retry"


@pytest.fixture
def gateway():
    with Gateway() as server:
        yield server


@pytest.fixture
def gateway_provider(gateway):
    return HttpGatewayProvider(url=gateway.url, token=gateway.token, callback_secret="cb-secret", timeout=2)


def test_the_gateway_gets_json_a_token_and_an_idempotency_key(gateway, gateway_provider):
    first = gateway_provider.send(to=NUMBER, body="MIFI", reference="ref-1", callback_url="https://x/cb")
    again = gateway_provider.send(to=NUMBER, body="MIFI", reference="ref-1", callback_url="https://x/cb")
    assert first == again
    assert gateway.phone == {"ref-1": 1}  # asked twice, received once
    request = gateway.requests[0]
    assert request["payload"] == {
        "to": NUMBER,
        "body": "MIFI",
        "reference": "ref-1",
        "callback_url": "https://x/cb",
    }
    assert request["headers"]["Idempotency-Key"] == "ref-1"
    assert request["headers"]["Authorization"] == f"Bearer {gateway.token}"


@pytest.mark.parametrize(
    ("answer", "outcome", "invalid"),
    [
        ((400, {"error": "invalid_number"}), "permanent", True),
        ((400, {"error": "not_mobile"}), "permanent", True),
        ((403, {"error": "forbidden"}), "permanent", False),
        ((429, {"error": "slow_down"}), "retry", False),
        ((503, {}), "retry", False),
        ((202, {"no": "id"}), "retry", False),
    ],
)
def test_gateway_refusals(gateway, gateway_provider, answer, outcome, invalid):
    gateway.script.append(answer)
    with pytest.raises(SendError) as caught:
        gateway_provider.send(to=NUMBER, body="x", reference="r", callback_url="https://x/")
    assert (caught.value.outcome, caught.value.invalid_number) == (outcome, invalid)


def test_a_gateway_too_slow_is_retried_and_the_phone_still_gets_one_text(gateway):
    provider = HttpGatewayProvider(url=gateway.url, token=gateway.token, callback_secret="s", timeout=0.5)
    gateway.script.append(1.0)  # answers after our timeout, having sent the text
    with pytest.raises(SendError) as caught:
        provider.send(to=NUMBER, body="x", reference="ref-slow", callback_url="https://x/")
    assert caught.value.outcome == "retry"
    provider.send(to=NUMBER, body="x", reference="ref-slow", callback_url="https://x/")
    assert gateway.phone == {"ref-slow": 1}


# --- The whole path, with the logs read ----------------------------------------------------------


@pytest.fixture
def log_output(monkeypatch):
    """What the configured handler (settings.LOGGING, its filters) writes, every logger at DEBUG —
    Twilio's client included, which logs its requests at INFO."""
    root = logging.getLogger()
    handlers = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    stream = io.StringIO()
    previous = [h.setStream(stream) for h in handlers]
    # Logging set up again meanwhile (Celery's worker signal does) writes to sys.stderr: here too.
    monkeypatch.setattr(sys, "stderr", stream)
    previous_level = root.level
    twilio_logger = logging.getLogger("twilio")
    previous_twilio = twilio_logger.level
    root.setLevel(logging.DEBUG)
    twilio_logger.setLevel(logging.DEBUG)
    yield stream.getvalue
    twilio_logger.setLevel(previous_twilio)
    root.setLevel(previous_level)
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


DIGITS = ("8195550101", "819 555-0101", "819-555-0101", "555-0101", "5550101")


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now")
def test_staff_never_get_the_employers_number_in_the_logs(
    bookable, employer_a, twilio, twilio_api, log_output, frozen_now, client, monkeypatch
):
    """Sending (refused, then accepted), the email about a refused number, a STOP reply, a forged
    callback: every line the configured handler writes, Twilio's client's included."""
    monkeypatch.setattr(sending, "get_provider", lambda: twilio)
    services.save_preferences(user=employer_a, number=NUMBER, opted_in=True, changes=True, reminders="all")
    twilio_api.script.append(
        twilio_error(400, 21211, f"The 'To' number {NUMBER} is not a valid phone number.")
    )
    appointment = book(bookable, employer_a)
    assert sending.send_due() == {"failed": 1}  # the confirmation: refused, the number marked
    assert notifications.send_number_refused_email(user_id=employer_a.pk) == 1
    services.save_preferences(
        user=employer_a, number="+18195550102", opted_in=True, changes=True, reminders="all"
    )
    frozen_now.move_to(appointment.starts_at - timedelta(hours=24) + timedelta(minutes=1))
    assert sending.send_due() == {"sent": 1}
    services.record_reply(number="+18195550102", body="STOP")
    assert client.post("/sms/twilio/inbound", {"From": "+18195550102", "Body": "STOP"}).status_code == 403
    logging.getLogger("somebody.else").warning("Refused: %s", {"To": "+18195550102", "Body": "x"})
    text = log_output()
    assert (
        re.search(r"text \d+ not sent", text) and "texts stopped for user" in text
    )  # the lines were written
    assert "twilio.http_client" in text  # Twilio's client logged its requests
    for digits in DIGITS + ("8195550102",):
        assert digits not in text, digits
    assert "Refused: {'To': '[phone]'" in text  # the safety net, whoever logs a number
    assert all(json.loads(line) for line in text.splitlines())


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now", "commits_at_once")
def test_the_gateway_path_end_to_end(bookable, employer_a, gateway, settings):
    settings.SMS_PROVIDER, settings.SMS_HTTP_URL = "http", gateway.url
    settings.SMS_HTTP_TOKEN, settings.SMS_HTTP_CALLBACK_SECRET = gateway.token, "cb-secret"
    providers.reset()
    services.save_preferences(user=employer_a, number=NUMBER, opted_in=True, changes=True, reminders="all")
    appointment = book(bookable, employer_a)
    (message,) = SmsMessage.objects.filter(appointment=appointment, kind="confirmation")
    assert (message.status, message.provider) == (SmsMessage.Status.SENT, "http")
    assert gateway.phone == {str(message.uid): 1}
    payload = gateway.requests[0]["payload"]
    assert payload["callback_url"] == f"{settings.SITE_URL}/sms/gateway/status?ref={message.uid}"
    assert message.provider_id == gateway.ids[str(message.uid)]
    assert SmsContact.objects.get(user=employer_a).can_receive
    assert timezone.now()
