"""GDPR part of change requests (core.privacy): the requests the person asked for or wrote, the
history lines they wrote and the files they sent. Anonymising scrubs their name, email and phone
from every text of a request (or blanks their own comments), and removes their files on
request; the requests, states and dates stay."""

from __future__ import annotations

from django.db.models import Q

from core.privacy import Archive, Options, Person, stamp

from .models import Attachment, ChangeRequest, HistoryEntry

ORDER = 30
TEXTS = [
    "title",
    "description",
    "solution",
    "dpo_conclusions",
    "decision_comment",
    "acceptance_comment",
]


def export_person(person: Person, archive: Archive) -> None:
    if person.user is None:
        return
    user = person.user
    requests = (
        ChangeRequest.objects.filter(Q(requester=user) | Q(created_by=user))
        .select_related("organization")
        .order_by("number")
    )
    archive.add_json(
        "cdc/change_requests.json",
        [
            {
                "number": cr.number,
                "title": cr.title,
                "state": cr.state,
                "organization": cr.organization.name if cr.organization_id else None,
                "description": cr.description,
                "created_at": stamp(cr.created_at),
                "closed_at": stamp(cr.closed_at),
            }
            for cr in requests
        ],
    )
    history = HistoryEntry.objects.filter(actor=user).select_related("change_request")
    archive.add_json(
        "cdc/your_history.json",
        [
            {
                "change_request": h.change_request.number,
                "action": h.action,
                "comment": h.comment,
                "from": h.from_state,
                "to": h.to_state,
            }
            for h in history.order_by("id")
        ],
    )
    for attachment in Attachment.objects.filter(uploaded_by=user).select_related("change_request"):
        number = attachment.change_request.number
        archive.add_file(
            f"cdc/files/{number}-{attachment.pk}-{attachment.filename}", attachment.file
        )


def anonymise_person(person: Person, options: Options) -> dict[str, int]:
    counts = {"change_requests_scrubbed": 0, "cdc_files_removed": 0}
    terms = person.terms
    if terms:
        mentions = person.mentions(*TEXTS)
        for cr in ChangeRequest.objects.filter(mentions):
            for name in TEXTS:
                setattr(cr, name, person.scrub(getattr(cr, name)))
            cr.title = cr.title[:200]
            cr.save(update_fields=TEXTS)
            counts["change_requests_scrubbed"] += 1
        said = person.mentions("comment")
        for entry in HistoryEntry.objects.filter(said):
            entry.comment = person.scrub(entry.comment)
            entry.changes = person.scrub_json(entry.changes)
            entry.save(update_fields=["comment", "changes"])
    if person.user is not None:
        if options.words == "blank":
            HistoryEntry.objects.filter(actor=person.user).update(comment="")
        if options.remove_attachments:
            for attachment in Attachment.objects.filter(uploaded_by=person.user):
                attachment.file.delete(save=False)
                if attachment.preview:
                    attachment.preview.delete(save=False)
                attachment.delete()
                counts["cdc_files_removed"] += 1
    return counts
