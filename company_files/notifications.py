"""Emails about company files: the company's representatives are told when their file changes
stage or the adviser writes; the assigned adviser when a representative writes. Each in the
recipient's language, with a link to the file. Internal notes are never emailed."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import EmployerProfile, User
from company_files.models import FileEntry
from core.emails import build_email

EMAILS = "company_files/email/"


def _representatives(company_id: int) -> list[User]:
    return list(User.objects.filter(employer_profile__company_id=company_id, is_active=True).order_by("pk"))


def _link(name: str, uid, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs={"uid": uid})


def _entry(entry_id: int, kind: str) -> FileEntry | None:
    return (
        FileEntry.objects.select_related(
            "file__program",
            "file__company",
            "file__stage",
            "file__assigned_advisor__user",
            "actor",
            "from_stage",
            "to_stage",
        )
        .filter(pk=entry_id, kind=kind)
        .first()
    )


def _send(template: str, entry: FileEntry, users: list[User], link_name: str) -> int:
    sent = 0
    for user in users:
        with translation.override(user.language):
            context = {
                "entry": entry,
                "file": entry.file,
                "user": user,
                "link": _link(link_name, entry.file.uid, user.language),
            }
            build_email(template, context, to=[user.email], folder=EMAILS).send()
        sent += 1
    return sent


def send_stage_email(entry_id: int) -> int:
    """Tell the company's representatives that their file moved to another stage."""
    entry = _entry(entry_id, FileEntry.Kind.STAGE_CHANGED)
    if entry is None:
        return 0
    return _send("stage_changed", entry, _representatives(entry.file.company_id), "company_files:detail")


def send_message_email(entry_id: int) -> int:
    """A message on a file: to the representatives if staff wrote it, to the adviser if not."""
    entry = _entry(entry_id, FileEntry.Kind.MESSAGE)
    if entry is None:
        return 0
    file = entry.file
    author_is_employer = EmployerProfile.objects.filter(
        user_id=entry.actor_id, company_id=file.company_id
    ).exists()
    if author_is_employer:
        advisor = file.assigned_advisor
        users = [advisor.user] if advisor and advisor.user.is_active else []
        return _send("message_for_adviser", entry, users, "company_files:handle")
    users = [u for u in _representatives(file.company_id) if u.pk != entry.actor_id]
    return _send("message_for_employer", entry, users, "company_files:detail")
