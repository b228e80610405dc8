"""What a ticket event says in the chat tools (seed 001), posted through notifications.webhooks.
"created" says who created it and "Non attribué" when nobody is assigned; "reopened" says who
transitioned it, and to whom it is assigned. Posts carry the ticket's number, title and link,
never the text of a reply or a note.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from notifications import webhooks
from notifications.mail import absolute_url
from notifications.models import ChatWebhook

from . import access
from .models import Event, Status, Ticket

escape = webhooks.escape


def _link(ticket: Ticket) -> str:
    return webhooks.link(
        absolute_url(ticket.get_absolute_url()), f"#{ticket.number} {ticket.title}"
    )


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
    who, link = f"*{escape(_who(event, ticket))}*", _link(ticket)
    if name == ChatWebhook.Event.CREATED:
        return _("%(who)s has created %(ticket)s · %(assignees)s") % {
            "who": who,
            "ticket": link,
            "assignees": escape(_assignees(ticket)),
        }
    if name == ChatWebhook.Event.REOPENED:
        return _("%(who)s has transitioned %(ticket)s from %(old)s to %(new)s · %(assignees)s") % {
            "who": who,
            "ticket": link,
            "old": escape(_status_name(event.data.get("old"))),
            "new": escape(_status_name(event.data.get("new"))),
            "assignees": escape(_assignees(ticket)),
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
            "new": escape(_status_name(event.data.get("new"))),
        }
    if name == ChatWebhook.Event.ASSIGNED:
        return _("%(who)s has assigned %(ticket)s · %(assignees)s") % {
            "who": who,
            "ticket": link,
            "assignees": escape(_assignees(ticket)),
        }
    return None


def _concerned(name: str, ticket: Ticket, event: Event) -> list[int]:
    """People with a personal webhook for name whom the ticket concerns (requester, assignees,
    followers), who see it, and who did not make the change themselves (seed 001)."""
    candidates = {ticket.requester_id, *(u.pk for u in ticket.assignees.all())}
    candidates |= {u.pk for u in ticket.followers.all()}
    candidates.discard(event.actor_id)
    owners = webhooks.personal_webhook_owners(candidates, name)
    if not owners:
        return []
    people = User.objects.filter(pk__in=owners, is_active=True)
    return [person.pk for person in people if access.can_view(person, ticket)]


def post_event(name: str, ticket: Ticket, event: Event) -> int:
    """One post per active webhook subscribed to name (queued after the commit): the team's,
    and the personal webhooks of the people the ticket concerns."""
    return webhooks.post_event(
        name,
        event_id=event.pk,
        ticket_number=ticket.number,
        text=lambda: message_text(name, ticket, event),
        people=_concerned(name, ticket, event),
    )
