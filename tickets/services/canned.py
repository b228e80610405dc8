"""Canned replies: the reusable answer's text with its placeholders filled in for one ticket."""

from __future__ import annotations

from accounts.models import User

from ..models import CannedReply, Ticket


def fill_canned_reply(canned: CannedReply, *, ticket: Ticket | None, agent: User) -> str:
    """The canned text with {client_name}, {ticket_number} and {agent_name} filled in."""
    client = ""
    number = ""
    if ticket is not None:
        number = f"#{ticket.number}"
        client = ticket.requester.get_full_name() if ticket.requester_id else ""
        client = client or (ticket.organization.name if ticket.organization_id else "")
        client = client or ticket.contact_email
    text = canned.body
    for key, value in (
        ("{client_name}", client),
        ("{ticket_number}", number),
        ("{agent_name}", agent.get_full_name() or agent.email),
    ):
        text = text.replace(key, value)
    return text
