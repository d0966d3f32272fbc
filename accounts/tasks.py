"""Celery tasks of accounts: the invitation email."""

from accounts import invitations
from core.emails import email_task


@email_task("accounts.send_invitation_email")
def send_invitation_email(invitation_id: int) -> int:
    return invitations.send_invitation_email(invitation_id=invitation_id)
