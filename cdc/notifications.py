"""Step emails: hotline addresses and the requester at each step; the DPO only at its step.
Written by notifications.mail, with an absolute link to the change request."""

from __future__ import annotations

import logging

from django.conf import settings

from accounts import policies, roles
from notifications import mail

from .models import Attachment, HistoryEntry
from .workflow import DPO_NOTIFIED_STATES, State

logger = logging.getLogger(__name__)


def _dpo_addresses() -> list[str]:
    return list(roles.users_with_role(roles.Code.DPO).values_list("email", flat=True))


def recipients_for(entry: HistoryEntry) -> list[tuple[str, str]]:
    """[(address, language)] for the step reached by entry."""
    cr = entry.change_request
    people = [(addr, settings.LANGUAGE_CODE) for addr in policies.current().hotline_emails]
    people.append((cr.requester.email, cr.requester.language or settings.LANGUAGE_CODE))
    if entry.to_state in DPO_NOTIFIED_STATES:
        people += [(addr, settings.LANGUAGE_CODE) for addr in _dpo_addresses()]
    seen, unique = set(), []
    for addr, lang in people:
        if addr and addr.lower() not in seen:
            seen.add(addr.lower())
            unique.append((addr, lang))
    return unique


def _client_files(entry: HistoryEntry) -> list[tuple[str, bytes, str]]:
    """The client's files go with the email that starts the analysis."""
    if entry.to_state != State.ANALYSIS:
        return []
    files = []
    for attachment in entry.change_request.attachments.filter(side=Attachment.Side.CLIENT):
        with attachment.file.open("rb") as fh:
            files.append((attachment.filename, fh.read(), attachment.content_type))
    return files


def send_step_email(entry: HistoryEntry) -> int:
    """Email everyone concerned by the step entry reached; returns the emails queued."""
    cr = entry.change_request
    context = {"cr": cr, "entry": entry, "url": mail.absolute_url(cr.get_absolute_url())}
    files = _client_files(entry)
    sent = 0
    for address, language in recipients_for(entry):
        sent += mail.send(
            "cdc/step",
            to=address,
            context=context,
            language=language,
            attachments=files,
            # A notification (not an account email): the outbox log may show its content.
            kind="cdc_step",
        )
    return sent
