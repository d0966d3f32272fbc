"""Send one email at a time, letting the caller commit "sent" before the SMTP server gets the end.

SMTP accepts a message only when it reads the end of DATA (`CRLF . CRLF`). `CommittingSMTPBackend`
sends MAIL FROM, RCPT TO, DATA and the whole dot-stuffed message *except* those five bytes, then
calls `commit()`; only if it returns True are the five bytes written and the reply read. A process
killed before the commit leaves the server with an unfinished DATA, which it discards when the
connection drops: nothing was delivered and nothing was marked sent. The only window left is
between the commit returning and five bytes reaching the socket (a miss, never a duplicate).

With any other EMAIL_BACKEND (console in development, locmem in tests) `ReminderMailer` sends
through Django first and commits afterwards: the exactly-once guarantee is the SMTP path's only.
"""

import contextlib
import logging
import re
import smtplib
import socket
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPEmailBackend
from django.core.mail.message import sanitize_address
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# A line starting with "." is sent as ".." (RFC 5321 §4.5.2), as smtplib.SMTP.data() does.
_LEADING_DOT = re.compile(rb"(?m)^\.")
_END_OF_DATA = b"\r\n.\r\n"


class DeliveryError(Exception):
    """The message was not delivered. `committed` says whether commit() had already run (the
    caller must then undo its mark); `connection_failed` that no SMTP session could be opened."""

    def __init__(self, text: str, *, committed: bool, connection_failed: bool = False):
        super().__init__(text)
        self.committed = committed
        self.connection_failed = connection_failed


class CommittingSMTPBackend(SMTPEmailBackend):
    """Django's SMTP backend (same EMAIL_* settings), plus send_committing()."""

    def send_committing(self, message: EmailMessage, commit: Callable[[], bool]) -> bool:
        """Deliver `message` if commit() returns True; False when it returns False (nothing sent).

        Raises DeliveryError on a refusal or a broken connection.
        """
        if self.connection is None:
            try:
                self.open()
            except (OSError, smtplib.SMTPException) as exc:
                self.connection = None
                raise DeliveryError(f"connect: {exc}", committed=False, connection_failed=True) from exc
        smtp = self.connection
        if smtp.sock is not None:
            # The end of DATA goes out as its own small write: without this, Nagle's algorithm
            # holds it until the server's delayed ACK (40 ms a message).
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        encoding = message.encoding or settings.DEFAULT_CHARSET
        from_address = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        payload = _LEADING_DOT.sub(b"..", message.message().as_bytes(linesep="\r\n"))
        if payload.endswith(b"\r\n"):
            payload = payload[:-2]  # the CRLF that opens the end-of-data marker is sent with it
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.mail(from_address)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, from_address)
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            code, reply = smtp.docmd("DATA")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            smtp.send(payload)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
            self._reset_or_drop()
            raise DeliveryError(_describe(exc), committed=False) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError(_describe(exc), committed=False) from exc

        if not commit():
            # Someone else owns the message now: leave DATA unfinished so the server discards it.
            self._drop()
            return False

        try:
            smtp.send(_END_OF_DATA)
        except (OSError, smtplib.SMTPException) as exc:
            # The terminator did not leave: the server discards the message.
            self._drop()
            raise DeliveryError(_describe(exc), committed=True) from exc
        try:
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException):
            # The terminator left but no answer came: the server may well have accepted it.
            # Keep it marked sent, a possible miss rather than a possible duplicate.
            logger.warning("No reply after end of DATA; kept as sent", exc_info=True)
            self._drop()
            return True
        if code != 250:
            raise DeliveryError(_describe(smtplib.SMTPDataError(code, reply)), committed=True)
        return True

    def _reset_or_drop(self) -> None:
        try:
            self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        """Close the socket without QUIT: an unfinished DATA must not be completed."""
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
        self.connection = None


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        return f"{exc.smtp_code} {error.decode(errors='replace') if isinstance(error, bytes) else error}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = exc.recipients.values()
        return "; ".join(f"{code} {reply.decode(errors='replace')}" for code, reply in replies)
    return f"{type(exc).__name__}: {exc}"


def uses_smtp() -> bool:
    return issubclass(import_string(settings.EMAIL_BACKEND), SMTPEmailBackend)


class ReminderMailer:
    """One mail session for a run of messages: `with ReminderMailer() as mailer: mailer.send(...)`."""

    def __init__(self):
        self.smtp = uses_smtp()
        if self.smtp:
            self.backend = CommittingSMTPBackend(fail_silently=False)
        else:
            self.backend = get_connection(fail_silently=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.backend.close()

    def send(self, message: EmailMessage, commit: Callable[[], bool]) -> bool:
        """Deliver the message and run commit(): True if delivered and committed, False if
        commit() refused (SMTP: nothing delivered). Raises DeliveryError."""
        if self.smtp:
            return self.backend.send_committing(message, commit)
        try:
            self.backend.send_messages([message])
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(_describe(exc), committed=False) from exc
        return commit()
