"""What admins do on the outbox and webhook pages: each verb checks administration.access, then
asks notifications to do it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from notifications import services as outbox
from notifications import webhooks
from notifications.models import ChatWebhook, OutgoingEmail, WebhookPost

from . import access


def retry_email(*, actor, email: OutgoingEmail) -> None:
    """Admins send a failed (or waiting) email again now; notifications.errors.NotWaiting
    when it is neither."""
    if not access.can_view_outbox(actor):
        raise PermissionDenied
    outbox.send_email_again(actor=actor, email=email)


def retry_post(*, actor, post: WebhookPost) -> None:
    """Admins post a failed (or waiting) webhook message again now."""
    if not access.can_manage_webhooks(actor):
        raise PermissionDenied
    outbox.send_post_again(actor=actor, post=post)


def replay_post(*, actor, post: WebhookPost) -> None:
    """Admins deliver a logged post again (same delivery id); NotWaiting while it is on its way."""
    if not access.can_manage_webhooks(actor):
        raise PermissionDenied
    outbox.replay_post(actor=actor, post=post)


def toggle_webhook(*, actor, webhook: ChatWebhook) -> None:
    """Admins pause a webhook, or start it again."""
    if not access.can_manage_webhooks(actor):
        raise PermissionDenied
    outbox.set_webhook_active(webhook=webhook, active=not webhook.is_active)


def send_test_post(*, actor, webhook: ChatWebhook) -> WebhookPost:
    """Admins check a webhook with a test post, queued like the others."""
    if not access.can_manage_webhooks(actor):
        raise PermissionDenied
    return webhooks.send_test(webhook)
