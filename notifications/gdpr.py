"""GDPR part of the outbox (core.privacy): the emails sent to the person (when, subject, status;
account emails without their subject: they may hold one-time links). Anonymising replaces their
address among the recipients, scrubs subjects and chat posts, and drops the stored content of
every kept email that names them (its log line stays)."""

from __future__ import annotations

from email import message_from_bytes, policy

from django.db.models import TextField
from django.db.models.functions import Cast

from core.privacy import Archive, Options, Person, stamp

from .models import OutgoingEmail, WebhookPost

ORDER = 60
CHUNK = 200


def _sent_to(person: Person):
    if not person.email:
        return OutgoingEmail.objects.none()
    return OutgoingEmail.objects.filter(recipients__icontains=person.email)


def export_person(person: Person, archive: Archive) -> None:
    rows = _sent_to(person).only("created_at", "sent_at", "subject", "status", "content_visible")
    archive.add_json(
        "notifications/emails_sent_to_you.json",
        [
            {
                "created_at": stamp(e.created_at),
                "sent_at": stamp(e.sent_at),
                "subject": e.subject if e.content_visible else None,
                "status": e.status,
            }
            for e in rows.order_by("created_at", "id").iterator(CHUNK)
        ],
    )


def _text_of(raw: bytes) -> str:
    """Headers and decoded text parts of a stored message (bodies are often base64)."""
    message = message_from_bytes(raw, policy=policy.default)
    texts = [str(value) for value in message.values()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                texts.append(part.get_content())
            except (LookupError, UnicodeError):
                texts.append(part.get_payload())
    return "\n".join(texts)


def anonymise_person(person: Person, options: Options) -> dict[str, int]:
    if not person.terms:
        return {}
    dropped = 0
    mention = person.mentions("recipients", "subject")
    for email in OutgoingEmail.objects.filter(mention).only("recipients", "subject"):
        email.recipients = person.scrub(email.recipients)
        email.subject = person.scrub(email.subject)[:255]
        email.save(update_fields=["recipients", "subject"])
    kept = OutgoingEmail.objects.filter(raw__isnull=False).only("pk", "raw")
    for email in kept.iterator(CHUNK):
        if person.mentioned_in(_text_of(bytes(email.raw))):
            OutgoingEmail.objects.filter(pk=email.pk).update(raw=None, size=0)
            dropped += 1
    named = person.mentions("payload_text")
    posts = WebhookPost.objects.annotate(payload_text=Cast("payload", TextField())).filter(named)
    for post in posts.only("pk", "payload").iterator(CHUNK):
        scrubbed = person.scrub_json(post.payload)
        if scrubbed != post.payload:
            WebhookPost.objects.filter(pk=post.pk).update(payload=scrubbed)
    return {"outbox_contents_dropped": dropped}
