"""Email in, by family: ingest (one raw message -> ticket, reply, or a record of why not),
review (staff actions on what came in), polling (mailboxes on a schedule).

ingest_message runs one transaction per message and never raises for a bad message: anything
it cannot turn into a ticket or a reply is stored with its raw bytes (quarantined). Pollers mark
a message done on the server only after ingest_message returned, i.e. after the commit.
"""

from .ingest import Outcome, Result, ingest_message, own_addresses, synthetic_id
from .polling import (
    PollReport,
    poll_due_mailboxes,
    poll_mailbox,
    set_mailbox_active,
    source_for,
    test_connection,
)
from .review import (
    append_flagged,
    discard_message,
    link_ticket,
    purge_old_originals,
    release_message,
    retry_message,
)

__all__ = [
    "Outcome",
    "PollReport",
    "Result",
    "append_flagged",
    "discard_message",
    "ingest_message",
    "link_ticket",
    "own_addresses",
    "poll_due_mailboxes",
    "poll_mailbox",
    "purge_old_originals",
    "release_message",
    "retry_message",
    "set_mailbox_active",
    "source_for",
    "synthetic_id",
    "test_connection",
]
