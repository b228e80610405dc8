"""GDPR part of email in (core.privacy): the messages received from the person's address (when,
subject, what became of them; not other people's mail). Anonymising replaces the sender, scrubs
the subject and evidence and deletes the stored original (.eml), which holds their words."""

from __future__ import annotations

from core.privacy import Archive, Options, Person, stamp

from .models import InboundMessage

ORDER = 40


def _messages(person: Person):
    if not person.email:
        return InboundMessage.objects.none()
    return InboundMessage.objects.filter(sender__iexact=person.email)


def export_person(person: Person, archive: Archive) -> None:
    rows = _messages(person).order_by("received_at", "id")
    archive.add_json(
        "intake/emails_received.json",
        [
            {
                "received_at": stamp(m.received_at),
                "subject": m.subject,
                "outcome": m.outcome,
                "ticket": m.ticket.number if m.ticket_id else None,
            }
            for m in rows.select_related("ticket")
        ],
    )


def anonymise_person(person: Person, options: Options) -> dict[str, int]:
    count = 0
    for message in _messages(person):
        if message.raw_file:
            message.raw_file.delete(save=False)
        message.sender = person.alias_email
        message.subject = person.scrub(message.subject)[:255]
        message.evidence = person.scrub_json(message.evidence)
        message.reason = person.scrub(message.reason)
        message.save(update_fields=["raw_file", "sender", "subject", "evidence", "reason"])
        count += 1
    return {"emails_received": count}
