"""The one way an app writes an email: send(name, ...) renders
templates/emails/<name>/{subject.txt,body.txt,body.html} in the recipient's language and hands
the message to the outbox (settings.EMAIL_BACKEND), which stores it and delivers it after the
commit.

Links in emails must work outside the site: build them with absolute_url(path), which prefixes
settings.HELPDESK_BASE_URL; every template also gets `base_url` (that prefix, no trailing slash).
Who receives what is decided by the app that has the event; this module only writes and queues.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from . import backend


def base_url() -> str:
    """The site's public address, without a trailing slash (read at call time)."""
    return settings.HELPDESK_BASE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """path ("/tickets/12/") as a link that works from a mail client."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + "/" + path.lstrip("/")


def render(name: str, context: dict, *, language: str | None = None) -> tuple[str, str, str]:
    """(subject on one line, text body, HTML body) of templates/emails/<name>/ in language."""
    context = {"base_url": base_url(), **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}/subject.txt", context)
        text = render_to_string(f"emails/{name}/body.txt", context)
        html = render_to_string(f"emails/{name}/body.html", context)
    return one_line(subject), text, html


def one_line(value) -> str:
    """value as a header takes it: on one line, runs of white space (line breaks included) as
    one space. A title typed with a line break must not make an email unsendable."""
    return " ".join(str(value).split())


def send(
    name: str,
    *,
    to: str | Iterable[str],
    context: dict,
    language: str | None = None,
    from_email: str | None = None,
    cc: Iterable[str] = (),
    reply_to: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    kind: str = "",
    ticket_number: int | None = None,
    key: str = "",
) -> int:
    """Render templates/emails/<name>/ in language (default settings.LANGUAGE_CODE) and queue it
    in the outbox. Returns 1 when queued, 0 when the outbox had it already (same key).

    kind: a notification whose content admins may read in the outbox log (account emails,
    which hold secrets, leave it empty); ticket_number: the ticket it is about (the log's
    filter); key: a unique key that makes a retried job queue nothing twice. headers: any other
    header (threading, X-Helpdesk-Deliver: now for a code the person is waiting for)."""
    subject, text, html = render(name, context, language=language)
    # Every header value on one line: Django refuses to build a message otherwise.
    extra = {one_line(k): one_line(v) for k, v in (headers or {}).items()}
    if kind:
        extra[backend.KIND_HEADER] = kind
    if ticket_number is not None:
        extra[backend.TICKET_HEADER] = str(ticket_number)
    if key:
        extra[backend.KEY_HEADER] = key
    message = EmailMultiAlternatives(
        subject,
        text,
        from_email=one_line(from_email) if from_email else None,
        to=[one_line(to)] if isinstance(to, str) else [one_line(a) for a in to],
        cc=[one_line(a) for a in cc],
        reply_to=[one_line(a) for a in reply_to] or None,
        headers=extra,
    )
    message.attach_alternative(html, "text/html")
    for filename, content, content_type in attachments:
        message.attach(filename, content, content_type)
    return message.send()
