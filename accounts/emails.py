"""Emails to people about their account, in the recipient's language, written by
notifications.mail (templates/emails/<name>/subject.txt, body.txt, body.html)."""

from __future__ import annotations

from notifications import mail


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
    """Render templates/emails/<name>/ and queue it in the outbox, which reads the
    X-Helpdesk-* headers described in notifications/backend.py."""
    mail.send(name, to=address, context=context, language=language, headers=headers)
