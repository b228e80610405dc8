"""Page-shaped reads of the outbox log and the webhooks, each starting from access."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from notifications.models import ChatWebhook, DeliveryStatus, OutgoingEmail, WebhookPost

from . import access

LIST_FIELDS = (
    "id",
    "kind",
    "sender",
    "recipients",
    "subject",
    "ticket_number",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "sent_at",
    "content_visible",
    "size",
)


def outbox(user, *, status: str = "", q: str = "", ticket: int | None = None):
    """The outbox log, newest first; no raw bytes (the list never needs them)."""
    if not access.can_view_outbox(user):
        return OutgoingEmail.objects.none()
    rows = OutgoingEmail.objects.only(*LIST_FIELDS)
    if status == "problems":
        rows = rows.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING])
    elif status:
        rows = rows.filter(status=status)
    if ticket:
        rows = rows.filter(ticket_number=ticket)
    if q:
        # Account emails are found by recipient only: their subject is not shown.
        rows = rows.filter(
            Q(subject__icontains=q, content_visible=True) | Q(recipients__icontains=q)
        )
    return rows.order_by("-created_at", "-id")


def outbox_email(user, pk) -> OutgoingEmail | None:
    if not access.can_view_outbox(user):
        return None
    return OutgoingEmail.objects.filter(pk=pk).first()


def outbox_problem_count(user) -> int:
    """Emails and webhook posts that failed for good (the admins' dashboard alert)."""
    if not access.can_view_outbox(user):
        return 0
    failed = DeliveryStatus.FAILED
    return (
        OutgoingEmail.objects.filter(status=failed).count()
        + WebhookPost.objects.filter(status=failed).count()
    )


def webhooks(user) -> QuerySet[ChatWebhook]:
    if not access.can_manage_webhooks(user):
        return ChatWebhook.objects.none()
    return ChatWebhook.objects.order_by("name", "id")


def webhook_posts(user) -> QuerySet[WebhookPost]:
    if not access.can_manage_webhooks(user):
        return WebhookPost.objects.none()
    return WebhookPost.objects.select_related("webhook").order_by("-created_at", "-id")


def reference_rows(user, kind):
    """The entries of a kind of reference data in display order (equipment and projects with
    their client), or none for someone who may not administer."""
    if not access.can_administer(user):
        return kind.model.objects.none()
    rows = kind.model.objects.all()
    if kind.per_organization:
        return rows.select_related("organization").order_by("organization__name", "name", "pk")
    return rows.order_by(*kind.model._meta.ordering, "pk")


def reference_entry(user, kind, pk):
    if not access.can_administer(user):
        return None
    return reference_rows(user, kind).filter(pk=pk).first()
