"""Send emails in batches over several SMTP connections, letting the caller commit "sent" for the
whole batch before any SMTP server gets the end of a message.

SMTP accepts a message only when it reads the end of DATA (`CRLF . CRLF`). `ReminderMailer`
keeps up to `REMINDER_SMTP_CONNECTIONS` SMTP sessions open (Django's SMTP backend opens them, so
every EMAIL_* setting applies) and sends a batch of messages, one per session, side by side: MAIL
FROM on every session, then every reply; RCPT TO likewise; DATA; then each dot-stuffed message
*except* those five bytes. Only then does it call `commit(keys)` once for the batch, which returns
the keys it marked sent; the five bytes go to those sessions only, the others are closed, and the
replies are read. A process killed before the commit leaves every server with an unfinished
DATA, which it discards when the connection drops: nothing was delivered and nothing was marked
sent. The only window left is between the commit returning and the five bytes of each message
reaching its socket, a few microseconds a message (a miss, never a duplicate).

Messages are built by hand (`Mail.as_bytes`): multipart/alternative, UTF-8 text and HTML parts
in 8bit (sent with BODY=8BITMIME when the server offers it), RFC 2047 encoded headers when not
ASCII. This is the layout Django's EmailMultiAlternatives produces for these messages, without
the cost of the email package; a part with a line longer than SMTP allows (998 octets) is left to
Django, which quoted-printable encodes it.

With any other EMAIL_BACKEND (console in development, locmem in tests) each message is sent
through Django first and committed afterwards: the exactly-once guarantee is the SMTP path's only.
"""

import base64
import contextlib
import email.utils
import logging
import re
import secrets
import smtplib
import socket
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPEmailBackend
from django.core.mail.message import forbid_multi_line_headers, sanitize_address
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_CONNECTIONS = 16
# A line starting with "." is sent as ".." (RFC 5321 §4.5.2), as smtplib.SMTP.data() does.
_LEADING_DOT = re.compile(rb"(?m)^\.")
_END_OF_DATA = b"\r\n.\r\n"
_TOO_LONG_LINE = re.compile(rb"(?m)^[^\r\n]{999}")  # SMTP allows 998 octets a line
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


class DeliveryError(Exception):
    """The message was not delivered. `committed` says whether commit() had already marked it
    (the caller must then undo its mark); `connection_failed` that no SMTP session could be opened."""

    def __init__(self, text: str, *, committed: bool, connection_failed: bool = False):
        super().__init__(text)
        self.committed = committed
        self.connection_failed = connection_failed


# --- Messages -----------------------------------------------------------------------------------


@dataclass
class Mail:
    """One email: subject, text and HTML bodies, recipients, extra headers (ASCII)."""

    subject: str
    text: str
    html: str
    to: list[str]
    headers: dict[str, str] = field(default_factory=dict)

    def django(self) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject, body=self.text, to=list(self.to), headers=dict(self.headers)
        )
        message.attach_alternative(self.html, "text/html")
        return message

    def envelope(self) -> tuple[str, list[str]]:
        """MAIL FROM and RCPT TO addresses, as smtplib quotes them."""
        return _envelope_address(settings.DEFAULT_FROM_EMAIL), [_envelope_address(a) for a in self.to]

    def as_bytes(self) -> bytes:
        """The whole message, CRLF line ends, not dot-stuffed."""
        text, html = _crlf(self.text).encode(), _crlf(self.html).encode()
        if _TOO_LONG_LINE.search(text) or _TOO_LONG_LINE.search(html):
            return self.django().message().as_bytes(linesep="\r\n")
        boundary = f"=_{secrets.token_hex(12)}"
        while boundary.encode() in text or boundary.encode() in html:  # pragma: no cover - 96 random bits
            boundary = f"=_{secrets.token_hex(12)}"
        head = [
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
            "MIME-Version: 1.0",
            f"Subject: {_encode_header(self.subject)}",
            f"From: {_from_header(settings.DEFAULT_FROM_EMAIL)}",
            f"To: {_to_header(self.to)}",
            f"Date: {_date_header(int(time.time()), settings.EMAIL_USE_LOCALTIME)}",
            *(f"{name}: {value}" for name, value in self.headers.items()),
            "",
            f"--{boundary}",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: 8bit",
            "\r\n",
        ]
        part = f'\r\n--{boundary}\r\nContent-Type: text/html; charset="utf-8"\r\n'
        part += "Content-Transfer-Encoding: 8bit\r\n\r\n"
        end = f"\r\n--{boundary}--\r\n"
        return b"".join(("\r\n".join(head).encode(), text, part.encode(), html, end.encode()))


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _encode_header(value: str) -> str:
    """ASCII as is; otherwise RFC 2047 base64 encoded words (≤ 75 characters), folded."""
    if value.isascii():
        return value
    words, chunk, size = [], [], 0
    for char in value:
        width = len(char.encode())
        if size + width > 45:  # 45 octets are 60 base64 characters: a 72-character word
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words)


@lru_cache(maxsize=64)
def _from_header(address: str) -> str:
    return forbid_multi_line_headers("From", address, "utf-8")[1].replace("\n", "\r\n")


def _to_header(addresses: Sequence[str]) -> str:
    if all(_PLAIN_ADDRESS.fullmatch(a) for a in addresses):
        return ", ".join(addresses)
    return forbid_multi_line_headers("To", ", ".join(addresses), "utf-8")[1].replace("\n", "\r\n")


@lru_cache(maxsize=4096)
def _envelope_address(address: str) -> str:
    return smtplib.quoteaddr(sanitize_address(address, "utf-8"))


@lru_cache(maxsize=2)
def _date_header(second: int, localtime: bool) -> str:
    return email.utils.formatdate(second, localtime=localtime)


# --- SMTP sessions ------------------------------------------------------------------------------


def uses_smtp() -> bool:
    return issubclass(import_string(settings.EMAIL_BACKEND), SMTPEmailBackend)


class _Session:
    """One SMTP connection, opened by Django's SMTP backend (host, port, TLS, login, timeout)."""

    def __init__(self):
        self.backend = SMTPEmailBackend(fail_silently=False)
        self.eight_bit = False

    @property
    def smtp(self) -> smtplib.SMTP | None:
        return self.backend.connection

    def open(self) -> None:
        if self.smtp is not None:
            return
        try:
            self.backend.open()
            smtp = self.smtp
            smtp.ehlo_or_helo_if_needed()
            # The end of DATA goes out as its own small write: without this, Nagle's algorithm
            # holds it until the server's delayed ACK (40 ms a message).
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.eight_bit = smtp.has_extn("8bitmime")
        except (OSError, smtplib.SMTPException):
            self.drop()
            raise

    def drop(self) -> None:
        """Close the socket without QUIT: an unfinished DATA must not be completed."""
        if self.backend.connection is not None:
            with contextlib.suppress(OSError):
                self.backend.connection.close()
        self.backend.connection = None

    def close(self) -> None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.backend.close()


class _Transfer:
    """One message on one session, through the steps of the batch."""

    __slots__ = ("session", "key", "sender", "recipients", "payload", "error")

    def __init__(self, session: _Session, key: Hashable, mail: Mail):
        self.session = session
        self.key = key
        self.sender, self.recipients = mail.envelope()
        payload = mail.as_bytes()
        if session.eight_bit and not payload.isascii():
            self.sender += " BODY=8BITMIME"
        payload = _LEADING_DOT.sub(b"..", payload)
        # The CRLF that opens the end-of-data marker is sent with it.
        self.payload = payload[:-2] if payload.endswith(b"\r\n") else payload
        self.error: DeliveryError | None = None

    def fail(self, exc: Exception, *, committed: bool = False) -> None:
        self.error = DeliveryError(_describe(exc), committed=committed)
        if not isinstance(exc, smtplib.SMTPResponseException):
            self.session.drop()  # a refusal leaves the session usable (after RSET); anything else not


def _step(transfers: list[_Transfer], command: Callable[[_Transfer], str | None], expect: tuple) -> None:
    """Send one command on every session still going, then read every reply."""
    waiting = []
    for t in transfers:
        if t.error is None and (line := command(t)) is not None:
            try:
                t.session.smtp.send(line)
                waiting.append(t)
            except (OSError, smtplib.SMTPException) as exc:
                t.fail(exc)
    for t in waiting:
        try:
            code, reply = t.session.smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            t.fail(exc)
            continue
        if code not in expect:
            t.fail(smtplib.SMTPResponseException(code, reply))


class ReminderMailer:
    """Mail sessions for a run of batches: `with ReminderMailer() as mailer: mailer.send_batch(...)`."""

    def __init__(self, connections: int | None = None):
        self.smtp = uses_smtp()
        self.capacity = max(
            1, connections or getattr(settings, "REMINDER_SMTP_CONNECTIONS", DEFAULT_CONNECTIONS)
        )
        self.sessions: list[_Session] = []
        self.backend = None if self.smtp else get_connection(fail_silently=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        for session in self.sessions:
            session.close()
        self.sessions = []
        if self.backend is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.backend.close()

    def send(self, key: Hashable, mail: Mail, commit: Callable[[list], set]) -> bool:
        """One message: True if delivered and committed, False if commit() refused. Raises DeliveryError."""
        outcome = self.send_batch([(key, mail)], commit)[key]
        if isinstance(outcome, DeliveryError):
            raise outcome
        return outcome

    def send_batch(
        self, mails: Sequence[tuple[Hashable, Mail]], commit: Callable[[list], set]
    ) -> dict[Hashable, bool | DeliveryError]:
        """Send up to `capacity` messages; commit(keys) marks them sent and returns the keys it
        marked. Per key: True (delivered, committed), False (commit refused it: nothing
        delivered) or a DeliveryError. Keys missing from the result were not tried (fewer
        sessions could be opened); DeliveryError(connection_failed=True) is raised when none could.
        """
        if not self.smtp:
            return self._send_through_django(mails, commit)
        sessions = self._open(min(len(mails), self.capacity))
        transfers, outcomes = [], {}
        for session, (key, mail) in zip(sessions, mails, strict=False):
            try:
                transfers.append(_Transfer(session, key, mail))
            except ValueError as exc:  # an address Django cannot encode
                outcomes[key] = DeliveryError(_describe(exc), committed=False)
        _step(transfers, lambda t: f"mail FROM:{t.sender}\r\n", (250,))
        for index in range(max((len(t.recipients) for t in transfers), default=0)):
            _step(
                transfers,
                lambda t, i=index: f"rcpt TO:{t.recipients[i]}\r\n" if i < len(t.recipients) else None,
                (250, 251),
            )
        _step(transfers, lambda t: "data\r\n", (354,))
        for t in transfers:
            if t.error is None:
                try:
                    t.session.smtp.send(t.payload)
                except (OSError, smtplib.SMTPException) as exc:
                    t.fail(exc)
        ready = [t for t in transfers if t.error is None]
        try:
            committed = commit([t.key for t in ready]) if ready else set()
        except BaseException:
            for t in ready:  # unknown whether it committed: the servers discard the messages
                t.session.drop()
            raise
        finished = []
        for t in ready:  # nothing else between the commit and these writes
            if t.key not in committed:
                continue
            try:
                t.session.smtp.send(_END_OF_DATA)
                finished.append(t)
            except (OSError, smtplib.SMTPException) as exc:
                # The terminator did not leave: the server discards the message.
                t.fail(exc, committed=True)
        for t in ready:
            if t.key not in committed:
                # Someone else owns the message now: leave DATA unfinished so the server discards it.
                t.session.drop()
                outcomes[t.key] = False
        for t in finished:
            try:
                code, reply = t.session.smtp.getreply()
            except (OSError, smtplib.SMTPException):
                # The terminator left but no answer came: the server may well have accepted it.
                # Keep it marked sent, a possible miss rather than a possible duplicate.
                logger.warning("No reply after end of DATA; kept as sent", exc_info=True)
                t.session.drop()
                outcomes[t.key] = True
                continue
            if code == 250:
                outcomes[t.key] = True
            else:
                t.fail(smtplib.SMTPDataError(code, reply), committed=True)
        self._reset([t for t in transfers if t.error is not None and t.session.smtp is not None])
        for t in transfers:
            if t.error is not None:
                outcomes[t.key] = t.error
        return outcomes

    def _open(self, wanted: int) -> list[_Session]:
        while len(self.sessions) < wanted:
            self.sessions.append(_Session())
        opened, error = [], None
        for session in self.sessions[:wanted]:
            try:
                session.open()
                opened.append(session)
            except (OSError, smtplib.SMTPException) as exc:
                error = exc
        if not opened:
            raise DeliveryError(f"connect: {error}", committed=False, connection_failed=True) from error
        return opened

    @staticmethod
    def _reset(transfers: list[_Transfer]) -> None:
        """RSET the sessions a refusal left in the middle of a transaction (or drop them)."""
        for t in transfers:
            try:
                t.session.smtp.send("rset\r\n")
            except (OSError, smtplib.SMTPException):
                t.session.drop()
        for t in transfers:
            if t.session.smtp is not None:
                try:
                    code, _ = t.session.smtp.getreply()
                except (OSError, smtplib.SMTPException):
                    code = None
                if code != 250:
                    t.session.drop()

    def _send_through_django(self, mails, commit) -> dict:
        outcomes = {}
        for key, mail in mails:
            try:
                self.backend.send_messages([mail.django()])
            except (OSError, smtplib.SMTPException) as exc:
                outcomes[key] = DeliveryError(_describe(exc), committed=False)
                continue
            outcomes[key] = key in commit([key])
        return outcomes


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        return f"{exc.smtp_code} {error.decode(errors='replace') if isinstance(error, bytes) else error}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = exc.recipients.values()
        return "; ".join(f"{code} {reply.decode(errors='replace')}" for code, reply in replies)
    return f"{type(exc).__name__}: {exc}"
