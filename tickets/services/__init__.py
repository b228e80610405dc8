"""Every change to a ticket: one function per verb, grouped by family in this package.

Each verb is keyword-only with the acting user first, runs in one transaction, locks the ticket
row, asks tickets.access on the locked row, writes the change and its timeline Event together,
and publishes a tickets.events name after commit. Edits carry the version the person saw and
are refused (StaleVersion) when someone changed the ticket since. Status rules live in
tickets.workflow. Modules: filing (create), handling (reply, edit, files), status (change,
reopen), assignment (assign, claim, escalate), bulk, saved_filters, canned, jobs (periodic),
numbering (gap-free counters); _common holds what they share (add_event is also what intake
uses to write the timeline event of a ticket it attaches to a client).
"""

from ._common import add_event, default_priority, default_status, first_status
from .assignment import assign, claim, escalate, set_assignees
from .bulk import BULK_LIMIT, BulkResult, bulk_apply
from .canned import fill_canned_reply
from .filing import create_ticket, create_ticket_from_email, transfer_to_development
from .handling import (
    EDITABLE_FIELDS,
    EDITABLE_TEXT,
    add_attachment,
    change_priority,
    reply,
    update_ticket,
)
from .jobs import auto_close_days, auto_close_waiting_tickets, flag_overdue_tickets
from .numbering import next_number, next_ticket_number
from .saved_filters import SAVED_FILTER_LIMIT, delete_filter, save_filter
from .status import change_status, check_transition, move_status_for, reopen

__all__ = [
    "BULK_LIMIT",
    "EDITABLE_FIELDS",
    "EDITABLE_TEXT",
    "SAVED_FILTER_LIMIT",
    "BulkResult",
    "add_attachment",
    "add_event",
    "assign",
    "auto_close_days",
    "auto_close_waiting_tickets",
    "bulk_apply",
    "change_priority",
    "change_status",
    "check_transition",
    "claim",
    "create_ticket",
    "create_ticket_from_email",
    "default_priority",
    "default_status",
    "delete_filter",
    "escalate",
    "fill_canned_reply",
    "first_status",
    "flag_overdue_tickets",
    "move_status_for",
    "next_number",
    "next_ticket_number",
    "reopen",
    "reply",
    "save_filter",
    "set_assignees",
    "transfer_to_development",
    "update_ticket",
]
