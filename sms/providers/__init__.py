"""SMS providers behind one interface; `SMS_PROVIDER` chooses one (sms.providers.get_provider).

- `console`: prints each text on the process's standard output, the number masked (`make run`);
- `file`: appends each text as a JSON line to `SMS_FILE_PATH` (a developer's outbox);
- `memory`: keeps them in `outbox` (the tests);
- `twilio`: Twilio's Messages API through the official `twilio` client;
- `http`: a government SMS gateway over HTTPS (JSON, bearer token, idempotency key; its callbacks
  are HMAC-SHA256 signed): sms.providers.http_gateway documents the protocol.
"""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sms.providers.base import Provider, SendError, Sent

__all__ = ["Provider", "SendError", "Sent", "get_provider", "reset"]


@cache
def get_provider() -> Provider:
    name = settings.SMS_PROVIDER
    if name == "console":
        from sms.providers.local import ConsoleProvider

        return ConsoleProvider()
    if name == "file":
        from sms.providers.local import FileProvider

        return FileProvider(settings.SMS_FILE_PATH)
    if name == "memory":
        from sms.providers.local import MemoryProvider

        return MemoryProvider()
    if name == "twilio":
        from sms.providers.twilio_sms import TwilioProvider

        return TwilioProvider.from_settings()
    if name == "http":
        from sms.providers.http_gateway import HttpGatewayProvider

        return HttpGatewayProvider.from_settings()
    raise ImproperlyConfigured(f"SMS_PROVIDER {name!r}: use console, file, memory, twilio or http.")


def reset() -> None:
    """Forget the provider (a test changed SMS_PROVIDER or its settings)."""
    get_provider.cache_clear()
