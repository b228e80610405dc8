"""Chat notifications (seed 001): a Slack-style JSON post to each active webhook that ticked the
event. "created" says who created it and "Non attribué" when nobody is assigned; "reopened" says
who transitioned it, and to whom it is assigned. Posts carry the ticket's number, title and
link, never the text of a reply or a note. They are sent by a Celery task after the commit and
retried; a failing chat tool never blocks anyone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tickets.models import Event, Status, Ticket

from .models import ChatWebhook, WebhookPost

logger = logging.getLogger(__name__)


def _escape(text: str) -> str:
    """Slack's mrkdwn control characters."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(ticket: Ticket) -> str:
    url = settings.HELPDESK_BASE_URL.rstrip("/") + ticket.get_absolute_url()
    return f"<{url}|#{ticket.number} {_escape(ticket.title)}>"


def _who(event: Event, ticket: Ticket) -> str:
    if event.actor is not None:
        return str(event.actor)
    return event.data.get("from") or ticket.contact_email or _("Helpdesk")


def _assignees(ticket: Ticket) -> str:
    names = [str(u) for u in ticket.assignees.all()]
    return ", ".join(names) if names else _("Unassigned")


def _status_name(pk) -> str:
    status = Status.objects.filter(pk=pk).first() if pk else None
    return status.name if status else ""


def message_text(name: str, ticket: Ticket, event: Event) -> str | None:
    """The post's text in the active language, or None when this event is not posted."""
    who, link = f"*{_escape(_who(event, ticket))}*", _link(ticket)
    if name == ChatWebhook.Event.CREATED:
        return _("%(who)s has created %(ticket)s · %(assignees)s") % {
            "who": who,
            "ticket": link,
            "assignees": _escape(_assignees(ticket)),
        }
    if name == ChatWebhook.Event.REOPENED:
        return _("%(who)s has transitioned %(ticket)s from %(old)s to %(new)s · %(assignees)s") % {
            "who": who,
            "ticket": link,
            "old": _escape(_status_name(event.data.get("old"))),
            "new": _escape(_status_name(event.data.get("new"))),
            "assignees": _escape(_assignees(ticket)),
        }
    if name == ChatWebhook.Event.REPLIED:
        if event.is_internal or event.kind != Event.Kind.REPLY:
            return None
        return _("%(who)s has replied on %(ticket)s") % {"who": who, "ticket": link}
    if name == ChatWebhook.Event.STATUS_CHANGED:
        if "new" not in event.data:
            return None
        return _("%(who)s has moved %(ticket)s to %(new)s") % {
            "who": who,
            "ticket": link,
            "new": _escape(_status_name(event.data.get("new"))),
        }
    if name == ChatWebhook.Event.ASSIGNED:
        return _("%(who)s has assigned %(ticket)s · %(assignees)s") % {
            "who": who,
            "ticket": link,
            "assignees": _escape(_assignees(ticket)),
        }
    return None


def payload(text: str) -> dict:
    """Slack's incoming-webhook format (Mattermost and Rocket.Chat read the same)."""
    return {"text": text, "unfurl_links": False}


def post_event(name: str, ticket: Ticket, event: Event) -> int:
    """One WebhookPost per active webhook subscribed to name, queued after the commit."""
    from . import tasks

    posts = 0
    for webhook in ChatWebhook.objects.filter(is_active=True).order_by("pk"):
        if name not in (webhook.events or []):
            continue
        with translation.override(webhook.language or settings.LANGUAGE_CODE):
            text = message_text(name, ticket, event)
        if text is None:
            continue
        try:
            with transaction.atomic():
                post = WebhookPost.objects.create(
                    webhook=webhook,
                    event_name=name,
                    event_id=event.pk,
                    ticket_number=ticket.number,
                    payload=payload(text),
                )
        except IntegrityError:
            continue  # posted already: this job ran before
        transaction.on_commit(lambda pk=post.pk: tasks.deliver_post.delay(pk), robust=True)
        posts += 1
    return posts


def send_test(webhook: ChatWebhook) -> WebhookPost:
    """A test post queued like the others (admins check a new webhook)."""
    from . import tasks

    with translation.override(webhook.language or settings.LANGUAGE_CODE):
        text = _("Test message from the helpdesk: this channel will receive ticket notifications.")
    post = WebhookPost.objects.create(webhook=webhook, event_name="test", payload=payload(text))
    transaction.on_commit(lambda: tasks.deliver_post.delay(post.pk), robust=True)
    return post
