"""Providers that send nothing to a phone: the console (`make run`), a file, memory (tests)."""

import json
import sys
import threading
import uuid
from pathlib import Path

from django.utils import timezone

from sms.providers.base import Provider, Sent


def masked(number: str) -> str:
    """+18195550101 → ••••••••0101: a developer's console is a log too."""
    return "•" * max(len(number) - 4, 0) + number[-4:]


class ConsoleProvider(Provider):
    name = "console"
    idempotent = True

    def send(self, *, to: str, body: str, reference: str, callback_url: str) -> Sent:
        sys.stdout.write(f"--- SMS to {masked(to)} ({reference}) ---\n{body}\n---\n")
        sys.stdout.flush()
        return Sent(f"console-{uuid.uuid4().hex[:12]}")


class FileProvider(Provider):
    """One JSON object a line: what a developer's phone would have received."""

    name = "file"
    idempotent = True
    _lock = threading.Lock()

    def __init__(self, path):
        self.path = Path(path)

    def send(self, *, to: str, body: str, reference: str, callback_url: str) -> Sent:
        provider_id = f"file-{uuid.uuid4().hex[:12]}"
        line = json.dumps(
            {
                "id": provider_id,
                "to": to,
                "body": body,
                "reference": reference,
                "at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        return Sent(provider_id)


class MemoryProvider(Provider):
    """The tests' outbox: `outbox` holds a dict per text; `fail_with` makes the next sends fail."""

    name = "memory"
    idempotent = True
    accepts_replies = True
    outbox: list[dict] = []
    fail_with: list = []

    def send(self, *, to: str, body: str, reference: str, callback_url: str) -> Sent:
        if self.fail_with:
            raise self.fail_with.pop(0)
        provider_id = f"mem-{uuid.uuid4().hex[:12]}"
        self.outbox.append({"id": provider_id, "to": to, "body": body, "reference": reference})
        return Sent(provider_id)
