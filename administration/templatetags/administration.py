"""{% load administration %}: labels of the outbox log and the admins' dashboard alert."""

import re

from django import template
from django.utils.translation import gettext_lazy as _

from administration import selectors
from notifications.models import ChatWebhook

register = template.Library()

KIND_LABELS = {
    "account": _("Account"),
    "cdc_step": _("Change request"),
    "mailbox_failing": _("Mailbox alert"),
    "erp_sync_summary": _("Customer-base sync"),
    "ticket_created": _("Ticket received"),
    "ticket_reply": _("Reply"),
    "ticket_note": _("Internal note"),
    "ticket_status": _("Status change"),
    "ticket_assigned": _("Assignment"),
    "ticket_escalated": _("Escalation"),
    "ticket_auto_close_warning": _("Auto-close warning"),
    "ticket_auto_closed": _("Auto-closed"),
}
_SLACK_LINK = re.compile(r"<[^|>]+\|([^>]+)>")


@register.filter
def outbox_kind(kind):
    return KIND_LABELS.get(kind, kind)


@register.filter
def webhook_event(name):
    if name == "test":
        return _("Test")
    try:
        return ChatWebhook.Event(name).label
    except ValueError:
        return name


@register.filter
def chat_text(text):
    """A post's text as a person reads it in the chat tool (links as their label)."""
    text = _SLACK_LINK.sub(r"\1", str(text or "")).replace("*", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@register.inclusion_tag("administration/_dashboard_alerts.html", takes_context=True)
def outbox_alerts(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"failed": 0}
    return {"failed": selectors.outbox_problem_count(user)}
