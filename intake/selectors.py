"""Page-shaped reads for the intake pages, each starting from intake.access."""

from __future__ import annotations

from django.db.models import QuerySet

from . import access
from .models import InboundMessage, Mailbox

LIST_FIELDS = (
    "id",
    "message_id",
    "mailbox__email_address",
    "sender",
    "subject",
    "received_at",
    "outcome",
    "reason",
    "size",
    "ticket__number",
    "ticket__title",
)


def mailboxes(user) -> QuerySet[Mailbox]:
    if not access.can_manage_mailboxes(user):
        return Mailbox.objects.none()
    return Mailbox.objects.select_related("default_type").defer("password")


def unidentified_tickets(user):
    return (
        access.unidentified_tickets(user)
        .select_related("status")
        .only("number", "title", "contact_email", "created_at", "cc_addresses", "status")
        .order_by("-created_at")
    )


def flagged_messages(user) -> QuerySet[InboundMessage]:
    if not access.can_review_flagged(user):
        return InboundMessage.objects.none()
    return (
        InboundMessage.objects.filter(outcome=InboundMessage.Outcome.FLAGGED)
        .select_related("ticket", "mailbox")
        .order_by("-received_at")
    )


def quarantined_messages(user) -> QuerySet[InboundMessage]:
    if not access.can_manage_quarantine(user):
        return InboundMessage.objects.none()
    return (
        InboundMessage.objects.filter(outcome=InboundMessage.Outcome.QUARANTINED)
        .select_related("mailbox")
        .order_by("-received_at")
    )


def ignored_messages(user, category: str = "") -> QuerySet[InboundMessage]:
    if not access.can_manage_ignored(user):
        return InboundMessage.objects.none()
    qs = InboundMessage.objects.filter(outcome=InboundMessage.Outcome.IGNORED)
    if category:
        qs = qs.filter(category=category)
    return qs.select_related("mailbox").order_by("-received_at")


IGNORED_CATEGORIES = (
    InboundMessage.Category.AUTO_REPLY,
    InboundMessage.Category.BOUNCE,
    InboundMessage.Category.LIST,
    InboundMessage.Category.OWN_ADDRESS,
)


def original_of_event(user, event_pk: int) -> InboundMessage | None:
    """The message a ticket event came from, when user may download its original."""
    record = (
        InboundMessage.objects.filter(event_id=event_pk)
        .select_related("ticket")
        .only("pk", "raw_file", "ticket", "event_id", "received_at")
        .first()
    )
    if record is None or not access.can_download_original(user, record):
        return None
    return record


def failing_mailboxes(user) -> list[Mailbox]:
    """For the dashboard: admins see every mailbox that is failing."""
    if not access.can_manage_mailboxes(user):
        return []
    return list(
        Mailbox.objects.filter(is_active=True, last_poll_status=Mailbox.PollStatus.FAILING)
        .only("name", "email_address", "last_error", "consecutive_failures", "last_success_at")
        .order_by("name")
    )


def quarantine_count(user) -> int:
    return quarantined_messages(user).count() if access.can_manage_quarantine(user) else 0


def default_reply_to() -> str:
    """The address clients answer to when a ticket came from no mailbox: the first active one."""
    return (
        Mailbox.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("email_address", flat=True)
        .first()
        or ""
    )
