"""Chat webhooks (seed 001): a Slack-style JSON post to each active webhook that ticked an event.
The app that has the event writes the text (in the webhook's language); this module queues one
post per webhook and event, sent by a Celery task after the commit and retried; a failing chat
tool never blocks anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from . import tasks
from .models import ChatWebhook, WebhookPost

logger = logging.getLogger(__name__)


def escape(text: str) -> str:
    """Slack's mrkdwn control characters."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A Slack-style link: <url|label>."""
    return f"<{url}|{escape(label)}>"


def payload(text: str) -> dict:
    """Slack's incoming-webhook format (Mattermost and Rocket.Chat read the same)."""
    return {"text": text, "unfurl_links": False}


def post_event(
    name: str,
    *,
    event_id: int,
    text: Callable[[], str | None],
    ticket_number: int | None = None,
    people: Iterable[int] = (),
) -> int:
    """One WebhookPost per active webhook subscribed to name, queued after the commit: the
    team's webhooks, and the personal webhooks of people (ids the caller chose: those the
    event concerns who may see it). text() is called in each webhook's language; None means
    this event is not posted."""
    posts = 0
    people = list(people)
    audience = Q(owner__isnull=True) | Q(owner_id__in=people) if people else Q(owner__isnull=True)
    for webhook in ChatWebhook.objects.filter(audience, is_active=True).order_by("pk"):
        if name not in (webhook.events or []):
            continue
        with translation.override(webhook.language or settings.LANGUAGE_CODE):
            message = text()
        if message is None:
            continue
        try:
            with transaction.atomic():
                post = WebhookPost.objects.create(
                    webhook=webhook,
                    event_name=name,
                    event_id=event_id,
                    ticket_number=ticket_number,
                    payload=payload(message),
                )
        except IntegrityError:
            continue  # posted already: this job ran before
        transaction.on_commit(lambda pk=post.pk: tasks.deliver_post.delay(pk), robust=True)
        posts += 1
    return posts


def personal_webhook_owners(candidates: Iterable[int], name: str) -> list[int]:
    """Among candidates (user ids), those with an active personal webhook ticking name."""
    ids = {pk for pk in candidates if pk}
    if not ids:
        return []
    rows = ChatWebhook.objects.filter(owner_id__in=ids, is_active=True).values_list(
        "owner_id", "events"
    )
    return sorted({owner for owner, events in rows if name in (events or [])})


def send_test(webhook: ChatWebhook) -> WebhookPost:
    """A test post queued like the others (admins check a new webhook)."""
    with translation.override(webhook.language or settings.LANGUAGE_CODE):
        text = _("Test message from the helpdesk: this channel will receive ticket notifications.")
    post = WebhookPost.objects.create(webhook=webhook, event_name="test", payload=payload(text))
    transaction.on_commit(lambda: tasks.deliver_post.delay(post.pk), robust=True)
    return post
