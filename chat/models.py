"""Live chat: a client's conversation with an agent, its messages, and agents' availability.

A chat waits until an agent takes it, is active while they talk, and ends as a ticket (a new
one with channel "chat", or an existing one the agent picks) carrying the transcript.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AgentPresence(models.Model):
    """Whether an agent takes chats now (switched by the agent on the chat panel)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence"
    )
    available = models.BooleanField(_("available for chat"), default=False)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("chat availability")
        verbose_name_plural = _("chat availabilities")
        indexes = [
            # "Is any agent available?" on every client chat page: filter(available=True).
            models.Index(
                fields=["user"],
                condition=models.Q(available=True),
                name="chat_presence_available_idx",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({'on' if self.available else 'off'})"


class Chat(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for an agent")
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")

    # A client user (portal), or none for a visitor of a web form (the visitor_* fields).
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chats",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chats",
    )
    # A web form's visitor: what they typed (never matched to an account: the ticket is
    # unidentified, as a web form's or an unknown sender's), the form (its public id: the form
    # lives in integrations, beside chat) and the sites that may frame the conversation.
    visitor_name = models.CharField(_("visitor's name"), max_length=150, blank=True)
    visitor_email = models.EmailField(_("visitor's email"), blank=True)
    visitor_origins = models.TextField(_("sites showing the chat"), blank=True)
    web_form = models.UUIDField(_("web form"), null=True, blank=True)
    ticket_type = models.ForeignKey(
        "tickets.TicketType",
        verbose_name=_("type of the ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    # The level of agents who may take it (a transfer to level 2 puts it back in their list).
    support_level = models.PositiveSmallIntegerField(_("support level"), default=1)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_chats",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    wants_transcript = models.BooleanField(_("transcript by email"), default=False)
    # The seq of its latest message. A writer increments it (UPDATE ... RETURNING) in the
    # transaction that stores the message, so the row lock hands out 1, 2, 3... in commit order.
    last_seq = models.PositiveIntegerField(_("last message number"), default=0, editable=False)
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            # The waiting list and its count: filter(status="waiting").order_by("created_at").
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="waiting"),
                name="chat_waiting_idx",
            ),
            # An agent's open chats: filter(agent=..., status="active").
            models.Index(fields=["agent", "status"], name="chat_agent_status_idx"),
            # A client's chats: filter(client=...).order_by("-created_at").
            models.Index(fields=["client", "created_at"], name="chat_client_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client__isnull=False) | ~models.Q(visitor_email=""),
                name="chat_client_or_visitor",
            ),
        ]

    def __str__(self):
        return f"{self.subject} ({self.person})"

    def get_absolute_url(self):
        return reverse("chat:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.ENDED

    @property
    def is_visitor(self) -> bool:
        """Opened by a web form's visitor (no account)."""
        return self.client_id is None

    @property
    def person(self) -> str:
        """Who asks: the client's name, or the name the visitor typed."""
        if self.client_id is None:
            return self.visitor_name or self.visitor_email
        return self.client.get_full_name() or self.client.email

    @property
    def origins(self) -> list[str]:
        return self.visitor_origins.split()


class Message(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        SYSTEM = "system", _("Event")

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MESSAGE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("text"))
    # Its number in the chat: 1, 2, 3... without gaps, in commit order (Chat.last_seq). The id
    # is not: on PostgreSQL two writers take ids 10 and 11 and may commit 11 first, so a browser
    # that reconnected "after 11" in between would never get 10.
    seq = models.PositiveIntegerField(_("number"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["chat", "seq"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        constraints = [
            # Also the index of the transcript and of catching up after a reconnect:
            # filter(chat=..., seq__gt=last).order_by("seq").
            models.UniqueConstraint(fields=["chat", "seq"], name="chat_message_seq_unique"),
        ]

    def __str__(self):
        return f"{self.chat_id}: {self.body[:40]}"
