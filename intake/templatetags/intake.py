"""Email display helpers: quoted history folded away, failing mailboxes on the dashboard."""

from django import template

from core.text import split_quoted
from intake import selectors

register = template.Library()


@register.filter
def email_parts(text):
    """(reply, quoted history) of an email's text; the history is shown folded."""
    return split_quoted(text or "")


@register.inclusion_tag("intake/_dashboard_alerts.html", takes_context=True)
def mailbox_alerts(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"failing": [], "quarantined": 0}
    return {
        "failing": selectors.failing_mailboxes(user),
        "quarantined": selectors.quarantine_count(user),
    }
