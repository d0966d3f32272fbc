"""Twilio's Messages API through the official client (`twilio`).

Sending: `messages.create(to, body, from_ or messaging_service_sid, status_callback)`; the status
callback URL is ours (`sms_callbacks:twilio_status`), and Twilio signs each callback with the
account's auth token (X-Twilio-Signature), which `twilio.request_validator.RequestValidator`
checks. Replies (STOP) reach `sms_callbacks:twilio_inbound`, signed the same way; with Twilio's
Advanced Opt-Out, Twilio itself refuses later sends to that person with error 21610.

Twilio has no idempotency key on sends: a request with no answer may have been sent, so it is
"ambiguous" (never retried: a duplicate text is worse than a missing one — the email still goes).
Error texts from Twilio quote the number: only the code is kept.
"""

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from sms.providers.base import Provider, SendError, Sent

# https://www.twilio.com/docs/api/errors: the number itself is the problem.
INVALID_NUMBER_CODES = frozenset({"21211", "21214", "21217", "21401", "21407", "21421", "21612", "21614"})
OPTED_OUT_CODES = frozenset({"21610"})  # the person replied STOP: Twilio refuses to text them
# Delivery receipts (status callback ErrorCode) that say the number cannot receive texts.
UNDELIVERABLE_NUMBER_CODES = frozenset({"30003", "30005", "30006"})


class TwilioProvider(Provider):
    name = "twilio"
    idempotent = False
    accepts_replies = True

    def __init__(self, *, account_sid: str, auth_token: str, sender: str, timeout: float, http_client=None):
        self.auth_token = auth_token
        self.sender = sender
        self.client = Client(
            account_sid, auth_token, http_client=http_client or TwilioHttpClient(timeout=timeout)
        )

    @classmethod
    def from_settings(cls, **overrides) -> "TwilioProvider":
        values = {
            "account_sid": settings.TWILIO_ACCOUNT_SID,
            "auth_token": settings.TWILIO_AUTH_TOKEN,
            "sender": settings.TWILIO_FROM,
            "timeout": settings.SMS_TIMEOUT_SECONDS,
            **overrides,
        }
        if not (values["account_sid"] and values["auth_token"] and values["sender"]):
            raise ImproperlyConfigured(
                "SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."
            )
        return cls(**values)

    def send(self, *, to: str, body: str, reference: str, callback_url: str) -> Sent:
        sender = (
            {"messaging_service_sid": self.sender} if self.sender.startswith("MG") else {"from_": self.sender}
        )
        try:
            message = self.client.messages.create(to=to, body=body, status_callback=callback_url, **sender)
        except TwilioRestException as error:
            code = str(error.code or "")
            if code in OPTED_OUT_CODES:
                raise SendError(
                    "The person stopped texts (STOP).", outcome="permanent", code=code, opted_out=True
                ) from None
            if code in INVALID_NUMBER_CODES:
                raise SendError(
                    "The number cannot receive texts.", outcome="permanent", code=code, invalid_number=True
                ) from None
            if error.status == 429 or error.status == 503:
                raise SendError(f"Twilio answered {error.status}.", outcome="retry", code=code) from None
            if 400 <= error.status < 500:
                raise SendError(
                    f"Twilio refused the text ({error.status}).", outcome="permanent", code=code
                ) from None
            raise SendError(f"Twilio answered {error.status}.", outcome="ambiguous", code=code) from None
        except requests.ConnectionError as error:
            # Refused or reset before an answer: a refused connection sent nothing, a reset may have.
            outcome = "retry" if "refused" in str(error).lower() else "ambiguous"
            raise SendError("Twilio could not be reached.", outcome=outcome) from None
        except (requests.Timeout, TwilioException, requests.RequestException):
            raise SendError("Twilio did not answer in time.", outcome="ambiguous") from None
        return Sent(message.sid, message.status or "queued")

    def valid_signature(self, url: str, params: dict, signature: str) -> bool:
        return bool(signature) and RequestValidator(self.auth_token).validate(url, params, signature)
