"""One way to build an email from templates: `<name>_subject.txt`, `<name>.txt`, `<name>.html`.

Callers render in the recipient's language (`translation.override`) and send or attach files.
"""

import re
from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


def render_plain(template_name: str, context: dict) -> str:
    """A plain-text template (a subject, a text part) rendered without HTML escaping: an
    apostrophe stays an apostrophe, never `&#x27;` in a mail client's subject line."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def one_line(text: str) -> str:
    """`text` on one line for a subject. Only ASCII white space is folded: the non-breaking space
    French puts before « : » stays (str.split() would take it too)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def render_subject(template_name: str, context: dict) -> str:
    """The subject line of `template_name`: plain text on one line."""
    return one_line(render_plain(template_name, context))


def build_email(
    name: str, context: dict, *, to: list[str], folder: str, headers: dict | None = None
) -> EmailMultiAlternatives:
    """The email `name` (text with an HTML alternative) for `context`, in the active language;
    its templates are in `folder` (an app's own, e.g. "appointments/email/")."""
    message = EmailMultiAlternatives(
        subject=render_subject(f"{folder}{name}_subject.txt", context),
        body=render_plain(f"{folder}{name}.txt", context),
        to=to,
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{folder}{name}.html", context), "text/html")
    return message


def email_task(name: str):
    """A task that sends email: an SMTP or network failure retries with backoff (10 times, 30 s
    doubling to 30 min: about two and a half hours); acks_late, so a worker killed mid-send
    leaves the message queued. Each sender skips an event that is no longer current."""
    return shared_task(
        name=name,
        autoretry_for=(SMTPException, ConnectionError, TimeoutError),
        retry_backoff=30,
        retry_backoff_max=1800,
        max_retries=10,
        acks_late=True,
    )
