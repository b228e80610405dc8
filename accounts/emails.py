"""Emails to people about their account, in the recipient's language.

Templates: templates/emails/<name>/subject.txt, body.txt, body.html.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_to_user(user, name: str, context: dict, *, headers: dict | None = None) -> None:
    send(user.email, name, {"user": user, **context}, language=user.language, headers=headers)


def send(
    address: str,
    name: str,
    context: dict,
    *,
    language: str | None = None,
    headers: dict | None = None,
) -> None:
    """Render templates/emails/<name>/ and send; the outbox (settings.EMAIL_BACKEND) stores
    and delivers it, reading the X-Helpdesk-* headers described in
    notifications/backend.py."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}/subject.txt", context).strip()
        text = render_to_string(f"emails/{name}/body.txt", context)
        html = render_to_string(f"emails/{name}/body.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), text, to=[address], headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    message.send()
