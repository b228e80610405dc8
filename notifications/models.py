"""What we send: every outgoing email (the outbox) and the chat webhooks with their posts."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed")


# Rows a delivery job may pick up (indexed as such).
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRYING)


class Delivery(models.Model):
    """Attempts and outcome of one send, shared by emails and webhook posts."""

    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # When a worker took the row (a stale claim means the worker died).
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    ticket_number = models.PositiveIntegerField(_("ticket"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def can_retry(self) -> bool:
        return self.status in (DeliveryStatus.FAILED, DeliveryStatus.RETRYING)


class OutgoingEmail(Delivery):
    """One email handed to the outbox backend, kept with its raw bytes until it is sent.

    Account emails (sign-in codes, password and invitation links) hold secrets: their content
    is never shown and is erased once sent. Ticket and change-request notifications say so with
    a header and may be read by admins in the outbox log."""

    kind = models.CharField(_("kind"), max_length=40, blank=True)
    sender = models.CharField(_("from"), max_length=254)
    # Envelope recipients (To, Cc, Bcc), comma-separated.
    recipients = models.TextField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    raw = models.BinaryField(_("raw message"), null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size"), default=0)
    content_visible = models.BooleanField(_("content may be shown"), default=False)
    # Set by the ticket notifier (event, notice, recipient): a retried job queues nothing twice.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    send_now = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            # Outbox log: newest first, optionally by status.
            models.Index(fields=["-created_at", "-id"], name="outbox_created_idx"),
            models.Index(fields=["status", "-created_at"], name="outbox_status_idx"),
            # Retry job: open rows by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(status__in=["pending", "sending", "retrying"]),
            ),
            # A ticket's emails (threading, the log filtered by ticket).
            models.Index(fields=["ticket_number", "-created_at"], name="outbox_ticket_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipients}"

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.split(",") if r.strip()]


def new_secret() -> str:
    return secrets.token_hex(32)


class ChatWebhook(models.Model):
    """An incoming-webhook URL of a chat tool (Slack, Mattermost, Rocket.Chat, Teams
    connectors...) that receives a Slack-style JSON post for the events ticked."""

    class Event(models.TextChoices):
        CREATED = "ticket_created", _("Ticket created")
        REOPENED = "ticket_reopened", _("Ticket reopened")
        REPLIED = "ticket_replied", _("Public reply")
        STATUS_CHANGED = "ticket_status_changed", _("Status changed")
        ASSIGNED = "ticket_assigned", _("Ticket assigned")

    name = models.CharField(_("name"), max_length=100)
    # The URL is a secret of the chat tool: shown masked, never logged.
    url = models.URLField(_("webhook URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    language = models.CharField(_("language"), max_length=5, default="fr")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # A person's own webhook (seed 001: their tickets' events in their chat); empty: the team's.
    owner = models.ForeignKey(
        "accounts.User",
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="personal_webhooks",
    )
    # Signs every post (notifications.signing): receivers check X-Helpdesk-Signature with it.
    secret = models.CharField(_("signing secret"), max_length=64, default=new_secret)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("chat webhook")
        verbose_name_plural = _("chat webhooks")

    def __str__(self):
        return self.name

    def __repr__(self):  # never the URL
        return f"<ChatWebhook {self.pk} {self.name}>"

    @property
    def masked_url(self) -> str:
        scheme, _sep, rest = self.url.partition("://")
        host, _sep, path = rest.partition("/")
        return f"{scheme}://{host}/…{path[-4:]}" if path else f"{scheme}://{host}/"


class WebhookPost(Delivery):
    """One JSON post to a chat webhook about one ticket event."""

    webhook = models.ForeignKey(
        ChatWebhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="posts"
    )
    event_name = models.CharField(_("event"), max_length=40)
    event_id = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    response_code = models.PositiveSmallIntegerField(_("response"), null=True, blank=True)
    # Sent as X-Helpdesk-Delivery, the same at each attempt and replay: receivers drop repeats.
    delivery_id = models.UUIDField(
        _("delivery id"), default=uuid.uuid4, unique=True, editable=False, null=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook post")
        verbose_name_plural = _("webhook posts")
        constraints = [
            # A ticket event is posted once per webhook, however often the job runs.
            models.UniqueConstraint(
                fields=["webhook", "event_name", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="webhookpost_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="webhookpost_created_idx"),
            models.Index(
                fields=["next_attempt_at"],
                name="webhookpost_due_idx",
                condition=models.Q(status__in=["pending", "sending", "retrying"]),
            ),
        ]

    def __str__(self):
        return f"{self.webhook} {self.event_name} #{self.ticket_number}"


class NotificationJob(models.Model):
    """A ticket event waiting to be notified: written when the event commits, done when its
    emails and posts are queued. The periodic job picks up the ones a lost broker dropped."""

    name = models.CharField(max_length=40)
    ticket_id = models.PositiveBigIntegerField()
    event_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification job")
        constraints = [
            models.UniqueConstraint(fields=["name", "event_id"], name="notificationjob_once")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notificationjob_open_idx",
                condition=models.Q(done_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.name} {self.event_id}"
