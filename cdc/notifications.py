"""Step emails: hotline addresses and the requester at each step; the DPO only at its step."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Attachment, HistoryEntry
from .workflow import DPO_NOTIFIED_STATES, State

logger = logging.getLogger(__name__)


def _dpo_addresses() -> list[str]:
    from accounts import roles

    return list(roles.users_with_role(roles.Code.DPO).values_list("email", flat=True))


def recipients_for(entry: HistoryEntry) -> list[tuple[str, str]]:
    """[(address, language)] for the step reached by entry."""
    cr = entry.change_request
    people = [(addr, settings.LANGUAGE_CODE) for addr in settings.HOTLINE_EMAILS]
    people.append((cr.requester.email, cr.requester.language or settings.LANGUAGE_CODE))
    if entry.to_state in DPO_NOTIFIED_STATES:
        people += [(addr, settings.LANGUAGE_CODE) for addr in _dpo_addresses()]
    seen, unique = set(), []
    for addr, lang in people:
        if addr and addr.lower() not in seen:
            seen.add(addr.lower())
            unique.append((addr, lang))
    return unique


def send_step_email(entry: HistoryEntry, base_url: str = "") -> int:
    cr = entry.change_request
    files = []
    if entry.to_state == State.ANALYSIS:
        files = list(cr.attachments.filter(side=Attachment.Side.CLIENT))
    sent = 0
    for address, language in recipients_for(entry):
        with translation.override(language):
            context = {"cr": cr, "entry": entry, "url": base_url + cr.get_absolute_url()}
            subject = render_to_string("emails/cdc/step/subject.txt", context).strip()
            text = render_to_string("emails/cdc/step/body.txt", context)
            html = render_to_string("emails/cdc/step/body.html", context)
        # A notification (not an account email): the outbox log may show its content.
        headers = {"X-Helpdesk-Notification": "cdc_step"}
        message = EmailMultiAlternatives(subject, text, to=[address], headers=headers)
        message.attach_alternative(html, "text/html")
        for attachment in files:
            with attachment.file.open("rb") as fh:
                message.attach(attachment.filename, fh.read(), attachment.content_type)
        message.send()
        sent += 1
    return sent
