"""Ticket pages, by family: queue (list, filters), saved_filters, bulk, filing (new ticket),
detail (the ticket page, classification, downloads), actions (one POST per action on a
ticket, sharing the prologue in _common), related (tickets of an organization or contact).

Each view fetches through tickets.access (hidden == 404; visible but not allowed == 403),
parses with a form, calls one service and redirects; domain errors come back as a message with
the person's input kept.
"""

from .actions import (
    ticket_assign,
    ticket_claim,
    ticket_edit,
    ticket_escalate,
    ticket_fields,
    ticket_priority,
    ticket_reopen,
    ticket_reply,
    ticket_status,
    ticket_transfer,
)
from .bulk import bulk_changes, ticket_bulk
from .detail import (
    attachment_download,
    ticket_classification,
    ticket_detail,
    ticket_timeline_earlier,
)
from .filing import ticket_create
from .queue import more_filters, ticket_list
from .related import contact_detail, related_tickets
from .saved_filters import saved_filter_delete, saved_filter_save

__all__ = [
    "attachment_download",
    "bulk_changes",
    "contact_detail",
    "more_filters",
    "related_tickets",
    "saved_filter_delete",
    "saved_filter_save",
    "ticket_assign",
    "ticket_bulk",
    "ticket_claim",
    "ticket_classification",
    "ticket_create",
    "ticket_detail",
    "ticket_edit",
    "ticket_escalate",
    "ticket_fields",
    "ticket_list",
    "ticket_priority",
    "ticket_reopen",
    "ticket_reply",
    "ticket_status",
    "ticket_timeline_earlier",
    "ticket_transfer",
]
