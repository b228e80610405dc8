"""Mailboxes polled for support email, and the log of every message that came in."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Mailbox(models.Model):
    class Protocol(models.TextChoices):
        IMAP = "imap", "IMAP"
        POP3 = "pop3", "POP3"

    class PollStatus(models.TextChoices):
        NEVER = "never", _("Never polled")
        OK = "ok", _("OK")
        FAILING = "failing", _("Failing")

    name = models.CharField(_("name"), max_length=100)
    email_address = models.EmailField(_("email address"), unique=True)
    protocol = models.CharField(
        _("protocol"), max_length=4, choices=Protocol.choices, default=Protocol.IMAP
    )
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_tls = models.BooleanField(_("TLS"), default=True)
    folder = models.CharField(_("folder"), max_length=100, default="INBOX", blank=True)
    username = models.CharField(_("login"), max_length=255)
    # Write-only in forms, never rendered, never logged.
    password = models.CharField(_("password"), max_length=255, blank=True)
    delete_after_import = models.BooleanField(
        _("delete messages after import"),
        default=False,
        help_text=_("IMAP: otherwise they are flagged as read. POP3 always deletes."),
    )
    interval_minutes = models.PositiveIntegerField(_("polling interval (minutes)"), default=5)
    default_type = models.ForeignKey(
        "tickets.TicketType",
        verbose_name=_("default type"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    trusted_authserv_ids = models.CharField(
        _("trusted authentication servers"),
        max_length=500,
        blank=True,
        help_text=_(
            "The authserv-id your mail server writes in its Authentication-Results headers "
            "(e.g. mx.example.com), comma-separated. Its SPF, DKIM and DMARC results vouch for "
            "senders; the server must remove such headers that arrive from outside."
        ),
    )
    verify_dkim = models.BooleanField(
        _("verify DKIM signatures"),
        default=False,
        help_text=_("The helpdesk checks DKIM signatures itself (DNS lookups at each message)."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_poll_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_poll_status = models.CharField(
        _("last poll status"), max_length=8, choices=PollStatus.choices, default=PollStatus.NEVER
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    alerted_at = models.DateTimeField(_("admins alerted"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self):
        return f"{self.name} <{self.email_address}>"

    def __repr__(self):  # never the password
        return f"<Mailbox {self.pk} {self.username}@{self.host}:{self.port}>"

    def trusted_ids(self) -> list[str]:
        return [p.strip().lower() for p in self.trusted_authserv_ids.split(",") if p.strip()]

    def is_due(self, now: dt.datetime) -> bool:
        if not self.is_active:
            return False
        if self.last_poll_at is None:
            return True
        return self.last_poll_at + dt.timedelta(minutes=self.interval_minutes) <= now


# The reasons intake wrote for flagged messages before it recorded a category.
LEGACY_FLAG_REASONS = {
    "unverified sender": "unverified",
    "unknown sender": "unknown_sender",
    "sender may not reply to this ticket": "not_allowed",
}


class InboundMessage(models.Model):
    """One message received (by a mailbox or ingest_email): what became of it."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Ticket created")
        APPENDED = "appended", _("Reply appended")
        DUPLICATE = "duplicate", _("Duplicate")
        IGNORED = "ignored", _("Ignored (automatic message)")
        QUARANTINED = "quarantined", _("Quarantined")
        FLAGGED = "flagged", _("Flagged for review")
        DISCARDED = "discarded", _("Discarded")

    class Category(models.TextChoices):
        """Why a message was ignored or flagged (the review pages filter on it)."""

        AUTO_REPLY = "auto_reply", _("Automatic reply")
        BOUNCE = "bounce", _("Delivery failure")
        LIST = "list", _("Mailing list or bulk mail")
        OWN_ADDRESS = "own_address", _("Sent by the helpdesk")
        UNVERIFIED = "unverified", _("Unverified sender")
        UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
        NOT_ALLOWED = "not_allowed", _("Sender may not reply")

    # Not unique: mail software reuses Message-IDs; the identity is content_hash.
    message_id = models.CharField(_("Message-ID"), max_length=255, db_index=True)
    # SHA-256 of the message with line endings normalised and trace headers (Received,
    # Delivered-To, Authentication-Results...) left out: the same mail read over IMAP or
    # from a file, or delivered to two of our mailboxes, has one identity.
    content_hash = models.CharField(_("content hash"), max_length=64, unique=True)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("date"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # What vouched (or did not) for the sender: method, Authentication-Results read, DKIM.
    evidence = models.JSONField(_("sender evidence"), default=dict, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    event = models.ForeignKey(
        "tickets.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    size = models.PositiveBigIntegerField(_("size"), default=0)
    # The message as received, for every message (file storage, never a public URL); dropped
    # after settings.INTAKE_RAW_RETENTION_DAYS once handled.
    raw_file = models.FileField(
        _("original message"), upload_to="inbound/", max_length=255, blank=True, editable=False
    )
    handled_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [
            # Quarantine and unidentified pages: filter(outcome=...).order_by("-received_at").
            models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_idx"),
            # Automatic-reply rate limit: one sender's recent messages.
            models.Index(fields=["sender", "received_at"], name="inbound_sender_idx"),
            # Ignored-messages page filtered by category.
            models.Index(
                fields=["outcome", "category", "-received_at"], name="inbound_category_idx"
            ),
        ]

    def __str__(self):
        return f"{self.message_id} {self.outcome}"

    @property
    def reason_label(self) -> str:
        """Why it was flagged or ignored, in the reader's language: its category's label.
        Records flagged before categories existed carry only their (English) reason: the
        known ones get their category's label too."""
        category = self.category or LEGACY_FLAG_REASONS.get(self.reason, "")
        if category:
            return self.Category(category).label
        return self.reason

    def read_raw(self) -> bytes:
        """The original bytes, or b"" once the retention period dropped them."""
        if not self.raw_file:
            return b""
        try:
            with self.raw_file.open("rb") as handle:
                return handle.read()
        except OSError:
            return b""
