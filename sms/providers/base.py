"""What every SMS provider does: send one text; say how a failure should be handled."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    provider_id: str  # the provider's id of the message: its receipts name it
    status: str = "sent"


class SendError(Exception):
    """A text the provider did not take.

    `outcome` decides what the sender does:
    - "retry": certainly not sent (connection refused, 429, or a provider that de-duplicates on
      the message's reference): tried again later;
    - "permanent": never retried (an invalid number, a landline, a recipient who sent STOP);
      `invalid_number` marks the person's number refused and tells them by email; `opted_out`
      stops their texts;
    - "ambiguous": the provider may have sent it (no answer in time): not retried, so it is never
      sent twice; the adviser sees "outcome unknown".
    """

    def __init__(
        self,
        message: str,
        *,
        outcome: str,
        code: str = "",
        invalid_number: bool = False,
        opted_out: bool = False,
    ):
        super().__init__(message)
        self.outcome = outcome
        self.code = code
        self.invalid_number = invalid_number
        self.opted_out = opted_out


class Provider:
    name = "base"
    # Whether the provider drops a second send with the same reference (an idempotency key):
    # then a text whose sender died mid-send is sent again, else it is marked "outcome unknown".
    idempotent = False
    # Whether people can reply STOP to the number texts come from (the provider forwards replies).
    accepts_replies = False

    def send(self, *, to: str, body: str, reference: str, callback_url: str) -> Sent:
        raise NotImplementedError
