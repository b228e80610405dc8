"""Tickets: the ticket, its reference data (types, statuses, priorities...), timeline and files."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class TranslatedName(models.Model):
    """Reference data named in French with an English translation."""

    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retired entries stay on old tickets only.")
    )

    class Meta:
        abstract = True
        ordering = ["order", "name_fr"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "fr")[:2]
        if lang == "en" and self.name_en:
            return self.name_en
        return self.name_fr


class TicketType(TranslatedName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_development = models.BooleanField(
        _("development type"),
        default=False,
        help_text=_("Offered when transferring to development."),
    )

    class Meta(TranslatedName.Meta):
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")


class Status(TranslatedName):
    class Category(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING_CLIENT = "waiting_client", _("Waiting on client")
        WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on third party")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        # "ticket": French agrees with le ticket ("Annulé"), not la demande (CDC: "Annulée").
        CANCELLED = "cancelled", pgettext_lazy("ticket", "Cancelled")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    colour = models.CharField(_("colour"), max_length=7, default="#6c757d")
    is_default = models.BooleanField(_("status of new tickets"), default=False)

    class Meta(TranslatedName.Meta):
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="status_one_default",
            )
        ]

    @property
    def is_final(self) -> bool:
        """Resolved, closed or cancelled: work is over until the ticket is reopened."""
        return self.category in FINAL_CATEGORIES

    @property
    def is_closed(self) -> bool:
        return self.category in (self.Category.CLOSED, self.Category.CANCELLED)

    @property
    def css_class(self) -> str:
        """The category's look, then this status's own colour (tickets/status-colours.css)."""
        return f"status-{self.category} st-{self.pk}"


FINAL_CATEGORIES = frozenset(
    {Status.Category.RESOLVED, Status.Category.CLOSED, Status.Category.CANCELLED}
)
WORKING_CATEGORIES = frozenset({Status.Category.NEW, Status.Category.OPEN})


class Priority(TranslatedName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    colour = models.CharField(_("colour"), max_length=7, default="#6c757d")
    first_response_hours = models.PositiveIntegerField(
        _("first response target (business hours)"), default=8
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolution target (business hours)"), default=40
    )
    is_default = models.BooleanField(_("default priority"), default=False)

    class Meta(TranslatedName.Meta):
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")


class Criticality(TranslatedName):
    """How much the problem hinders the client's work, as the client says it when filing.
    Tickets point at the code (the column keeps the codes it always held)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    colour = models.CharField(_("colour"), max_length=7, default="#6c757d")
    is_default = models.BooleanField(_("default criticality"), default=False)

    class Meta(TranslatedName.Meta):
        verbose_name = _("criticality")
        verbose_name_plural = _("criticalities")


# The criticality a ticket gets when its sender gives none (seeded; an admin can change which
# entry is the default, see tickets.caching.default_criticality).
DEFAULT_CRITICALITY = "medium"


class Component(TranslatedName):
    """A functional area of the product ("groupe fonctionnel")."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_development = models.BooleanField(
        _("development queue"), default=False, help_text=_("Where transferred tickets land.")
    )

    class Meta(TranslatedName.Meta):
        verbose_name = _("component")
        verbose_name_plural = _("components")


class CannedReply(models.Model):
    """A reusable answer; {client_name}, {ticket_number} and {agent_name} are filled in."""

    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self):
        return self.title


class BusinessCalendar(models.Model):
    """Working days and hours counted by SLA targets (one row is used: the first)."""

    name = models.CharField(_("name"), max_length=100, default="Standard")
    # ISO weekday numbers (1 = Monday ... 7 = Sunday), comma-separated.
    working_days = models.CharField(_("working days"), max_length=20, default="1,2,3,4,5")
    day_start = models.TimeField(_("start of day"), default="09:00")
    day_end = models.TimeField(_("end of day"), default="18:00")
    time_zone = models.CharField(_("time zone"), max_length=50, default="Europe/Paris")

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self):
        return self.name

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.working_days.split(",") if d.strip().isdigit())


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")
        ]

    def __str__(self):
        return f"{self.date} {self.name}"


class OrganizationItem(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE
    )
    name = models.CharField(_("name"), max_length=150)
    reference = models.CharField(_("reference / serial"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.reference})" if self.reference else self.name


class Asset(OrganizationItem):
    class Meta(OrganizationItem.Meta):
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        default_related_name = "assets"


class Project(OrganizationItem):
    class Meta(OrganizationItem.Meta):
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        default_related_name = "projects"


class TicketCounter(models.Model):
    """A named counter: the last number handed out in a series ("ticket" for tickets, "cdc" for
    change requests). Its row is locked while a number is taken, so numbers have no gaps and no
    duplicates (tickets.services.numbering). The class keeps its first name (and its table):
    the reference-data migration looks it up by that name."""

    name = models.CharField(max_length=20, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number counter")

    def __str__(self):
        return f"{self.name}={self.value}"


# What every report index carries besides its date (see Ticket.Meta.indexes).
REPORT_COLUMNS = (
    "id",
    "organization",
    "type",
    "priority",
    "component",
    "support_level",
    "channel",
    "transferred_from",
)


class Ticket(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        CHAT = "chat", _("Chat")
        IN_PERSON = "in_person", _("In person")

    class Level(models.IntegerChoices):
        ONE = 1, _("Level 1")
        TWO = 2, _("Level 2")
        THREE = 3, _("Level 3")

    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    type = models.ForeignKey(
        TicketType, verbose_name=_("type"), on_delete=models.PROTECT, null=True, blank=True
    )
    status = models.ForeignKey(Status, verbose_name=_("status"), on_delete=models.PROTECT)
    # The working status the ticket had before it was resolved/closed: a client reply returns there.
    status_before_resolution = models.ForeignKey(
        Status, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    priority = models.ForeignKey(
        Priority, verbose_name=_("priority"), on_delete=models.PROTECT, null=True, blank=True
    )
    criticality = models.ForeignKey(
        Criticality,
        verbose_name=_("criticality"),
        on_delete=models.PROTECT,
        to_field="code",
        db_column="criticality",
        default=DEFAULT_CRITICALITY,
        related_name="+",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        # Empty only for email from an unknown address, until an agent links it to a client.
        null=True,
        blank=True,
        related_name="tickets",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requested_tickets",
    )
    # The sender's address when an email came from nobody we know ("non identifié").
    contact_email = models.EmailField(_("contact email"), max_length=254, blank=True)
    # Addresses copied on the client's email: recorded, never turned into accounts.
    cc_addresses = models.JSONField(_("copied addresses"), default=list, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_tickets",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignees"),
        blank=True,
        related_name="assigned_tickets",
        through="TicketAssignee",
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("followers"),
        blank=True,
        related_name="followed_tickets",
    )
    support_level = models.PositiveSmallIntegerField(
        _("support level"), choices=Level.choices, default=Level.ONE
    )
    component = models.ForeignKey(
        Component, verbose_name=_("component"), on_delete=models.PROTECT, null=True, blank=True
    )
    asset = models.ForeignKey(
        Asset, verbose_name=_("equipment"), on_delete=models.SET_NULL, null=True, blank=True
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.SET_NULL, null=True, blank=True
    )
    transferred_from = models.ForeignKey(
        "self",
        verbose_name=_("transferred from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="development_tickets",
    )
    # SLA: due dates from the priority, pushed back by business time spent waiting on the client.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    # Whether anyone holds the ticket: set by the services that change the assignees (assign,
    # claim, escalate, create_ticket) with them; the "unassigned" counter and filter read it
    # through a partial index.
    is_assigned = models.BooleanField(_("assigned"), default=False, editable=False)
    waiting_since = models.DateTimeField(_("waiting on client since"), null=True, blank=True)
    auto_close_warned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    last_activity_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last activity by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Business seconds (tickets.sla, the business calendar) from creation to the first
    # response and to the resolution, stamped with first_response_at and resolved_at so that
    # reports aggregate them in SQL; empty while the moment has not come.
    first_response_seconds = models.PositiveIntegerField(
        _("first response time (business seconds)"), null=True, blank=True, editable=False
    )
    resolution_seconds = models.PositiveIntegerField(
        _("resolution time (business seconds)"), null=True, blank=True, editable=False
    )
    # Bumped by every edit; an edit made on an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-last_activity_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # List and queue default sort: visible_tickets(...).order_by("-last_activity_at").
            models.Index(fields=["-last_activity_at", "-id"], name="ticket_activity_idx"),
            # Client and sales-rep lists: filter(organization_id__in=...).order_by(-last_activity).
            models.Index(
                fields=["organization", "-last_activity_at"], name="ticket_org_activity_idx"
            ),
            # Queue filter by status and "my tickets only" clients (requester).
            models.Index(fields=["status", "-last_activity_at"], name="ticket_status_activity_idx"),
            models.Index(
                fields=["priority", "-last_activity_at"], name="ticket_priority_activity_idx"
            ),
            # Capped count of a queue filtered by priority and status (category): an index-only
            # scan instead of visiting thousands of rows.
            models.Index(fields=["priority", "status"], name="ticket_priority_status_idx"),
            models.Index(
                fields=["requester", "-last_activity_at"], name="ticket_requester_activity_idx"
            ),
            # Dashboard counters (tickets.selectors.dashboard_counts): overdue open tickets and
            # tickets closed today or this week, each an index-only scan of the few rows they
            # count instead of a scan of every ticket.
            models.Index(
                fields=["status"],
                name="ticket_overdue_status_idx",
                condition=models.Q(is_overdue=True),
            ),
            # The "unassigned" counter and view: the few tickets nobody holds, by status.
            models.Index(
                fields=["status"],
                name="ticket_unassigned_idx",
                condition=models.Q(is_assigned=False),
            ),
            models.Index(
                fields=["closed_at"],
                name="ticket_closed_at_idx",
                condition=models.Q(closed_at__isnull=False),
            ),
            # The "Unidentified" view: tickets from unknown senders, waiting for a client.
            models.Index(
                fields=["-created_at"],
                name="ticket_unidentified_idx",
                condition=models.Q(organization__isnull=True),
            ),
            # Reports (reports.selectors): tickets created, first answered and resolved in a
            # date range, grouped by what the filters and groupings read. PostgreSQL answers
            # from the index alone (INCLUDE: a covering index) instead of reading the wide
            # rows; other databases get the plain index.
            models.Index(
                fields=["created_at"],
                name="ticket_created_at_idx",
                include=[*REPORT_COLUMNS, "requester", "status", "resolved_at", "closed_at"],
            ),
            models.Index(
                fields=["resolved_at"],
                name="ticket_resolved_at_idx",
                condition=models.Q(resolved_at__isnull=False),
                include=[*REPORT_COLUMNS, "created_at", "resolution_seconds", "resolution_due_at"],
            ),
            models.Index(
                fields=["first_response_at"],
                name="ticket_first_response_at_idx",
                condition=models.Q(first_response_at__isnull=False),
                include=[*REPORT_COLUMNS, "first_response_seconds", "first_response_due_at"],
            ),
            # Auto-close job: tickets waiting on the client, oldest first.
            models.Index(
                fields=["waiting_since"],
                name="ticket_waiting_idx",
                condition=models.Q(waiting_since__isnull=False),
            ),
            # SLA job: open tickets with a resolution due date.
            models.Index(
                fields=["resolution_due_at"],
                name="ticket_due_idx",
                condition=models.Q(resolved_at__isnull=True, closed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("tickets:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return not self.status.is_final


class TicketAssignee(models.Model):
    """A person holding a ticket (Ticket.assignees, the table Django made for it). Written only
    by tickets.services, which keep Ticket.is_assigned with it. A person who holds a ticket
    cannot be deleted, like a requester or a reporter: unassign them, or deactivate them."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        db_table = "tickets_ticket_assignees"
        unique_together = [("ticket", "user")]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self):
        return f"#{self.ticket.number} · {self.user}"


class Event(models.Model):
    """One line of a ticket's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Ticket created")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        STATUS = "status", _("Status change")
        FIELD = "field", _("Field change")
        ASSIGNMENT = "assignment", _("Assignment")
        CLAIM = "claim", _("Taken")
        ESCALATION = "escalation", _("Escalation")
        ATTACHMENT = "attachment", _("Attachment")
        EMAIL_IN = "email_in", _("Email received")
        EMAIL_OUT = "email_out", _("Email sent")
        REOPEN = "reopen", _("Reopened")
        LINK = "link", _("Link")
        WARNING = "warning", _("Auto-close warning")

    class ActionType(models.TextChoices):
        QUESTION = "question", _("Question")
        ANSWER = "answer", _("Answer")
        INSTRUCTION = "instruction", _("Instruction")
        INFORMATION = "information", _("Information")
        REASON = "reason", _("Reason")
        EVENT = "event", _("Event")
        HISTORY = "history", _("History")
        DOCUMENT = "document", _("Document")
        SOLUTION = "solution", _("Solution")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    action_type = models.CharField(
        _("action type"), max_length=12, choices=ActionType.choices, default=ActionType.EVENT
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When it happened (an operator logging a phone call may back-date it); created_at is when
    # it was written down.
    action_at = models.DateTimeField(_("action date"), default=timezone.now)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    body = models.TextField(_("text"), blank=True)
    is_internal = models.BooleanField(_("internal"), default=False)
    # Field changes {"field": ..., "old": ..., "new": ...}, escalation levels, linked numbers.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["action_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # Detail page timeline: filter(ticket=...).order_by("action_at", "id").
            models.Index(fields=["ticket", "action_at", "id"], name="event_ticket_time_idx"),
            # Reports: reopenings and escalations in a date range (a few rows of ~1M events).
            models.Index(
                fields=["kind", "action_at"],
                name="event_report_kind_idx",
                condition=models.Q(kind__in=["reopen", "escalation"]),
            ),
            # Reports, backlog by status category (reports.selectors._changes_to_undo): the
            # status changes and reopenings since a date, with their ticket and their "old" and
            # "new" statuses, read from the index alone (PostgreSQL INCLUDE) instead of
            # scanning the ~1M events.
            models.Index(
                fields=["action_at"],
                name="event_report_status_idx",
                condition=models.Q(kind__in=["status", "reopen"]),
                include=["ticket", "data"],
            ),
        ]

    def __str__(self):
        return f"#{self.ticket_id} {self.kind}"


def attachment_path(instance, filename):
    ext = os.path.splitext(filename)[1].lower()[:12]
    return f"tickets/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    thumbnail = models.FileField(upload_to=attachment_path, max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    is_image = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("tickets:attachment", args=[self.ticket.number, self.pk])


class SavedFilter(models.Model):
    """A set of queue filters (and sort) a staff member saved under a name: their own tab
    next to the built-in views. query is the queue's query string as tickets.filters.
    filter_query() writes it (known filters only, no page, a stable order)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            # Also the index of the queue page's read: owner's filters by name.
            models.UniqueConstraint(fields=["owner", "name"], name="saved_filter_owner_name_uniq")
        ]

    def __str__(self):
        return self.name
