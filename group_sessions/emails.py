"""The email of one `Notice`, in the active language: `group_sessions/email/notice_*` templates,
with the session's .ics attached to a confirmation (PUBLISH) or a cancellation (CANCEL)."""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from core.emails import one_line, render_plain
from core.mailer import Mail
from group_sessions import calendar, links
from group_sessions.models import Notice, Registration

FOLDER = "group_sessions/email/"
WITH_FILE = {
    Notice.Kind.CONFIRMED: False,
    Notice.Kind.UPDATED: False,
    Notice.Kind.CANCELLED: True,
    Notice.Kind.SESSION_CANCELLED: True,
}


@dataclass
class MailWithFiles(Mail):
    """A `core.mailer.Mail` with attachments: Django builds the MIME message (multipart/mixed),
    the mailer sends its bytes with the same commit-before-end-of-DATA."""

    files: list[tuple[str, bytes, str]] = field(default_factory=list)

    def django(self):
        message = super().django()
        for name, content, mimetype in self.files:
            message.attach(name, content, mimetype)
        return message

    def as_bytes(self) -> bytes:
        if not self.files:
            return super().as_bytes()
        return self.django().message().as_bytes(linesep="\r\n")


def context_of(notice: Notice) -> dict:
    registration: Registration = notice.registration
    session = registration.session
    to_contact = notice.participant_id is None
    name = notice.participant.name if notice.participant_id else registration.company.legal_name
    return {
        "notice": notice,
        "kind": notice.kind,
        "session": session,
        "registration": registration,
        "participant": notice.participant,
        "name": name,
        "place": calendar.place_text(session),
        "join_url": calendar.join_link(session, name),
        "manage_url": links.manage_url(registration) if to_contact else "",
        "message": notice.message,
        "zone": session.time_zone,
    }


def mail_of(notice: Notice) -> MailWithFiles:
    context = context_of(notice)
    with timezone.override(context["zone"]):
        subject = one_line(render_plain(f"{FOLDER}notice_subject.txt", context))
        text = render_plain(f"{FOLDER}notice.txt", context)
        html = render_to_string(f"{FOLDER}notice.html", context)
    files = []
    if notice.kind in WITH_FILE:
        cancelled = WITH_FILE[notice.kind]
        content = calendar.calendar_file(
            notice.registration, cancelled=cancelled, manage_url=context["manage_url"]
        )
        method = "CANCEL" if cancelled else "PUBLISH"
        files.append(("session.ics", content, f"text/calendar; charset=utf-8; method={method}"))
    return MailWithFiles(
        subject=subject,
        text=text,
        html=html,
        to=[notice.to_email],
        headers={"Message-ID": f"<gs-notice.{notice.pk}@midi-regions>"},
        files=files,
    )
