"""API tokens (stored hashed) and the idempotency keys of API creations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A person's key to the JSON API: it acts as that person, with the same access rules as
    the pages. Only a SHA-256 digest is kept; the key is shown once, at creation."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the key, shown in the list so a person recognises their key.
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class IdempotencyKey(models.Model):
    """A ticket created through the API under an Idempotency-Key header: the same key from
    the same person within a day answers the same ticket instead of filing a second one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # A digest of the request body: the same key with another body is refused (422).
    request_digest = models.CharField(max_length=64)
    ticket_number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]

    def __str__(self):
        return self.key


class WebForm(models.Model):
    """A form for a client's website (seed 003): shown in an iframe by the sites whose origins
    are listed, it files a ticket as an email would (the address identifies the contact; an
    unknown one gives an unidentified ticket)."""

    class Field(models.TextChoices):
        DESCRIPTION = "description", _("Description")
        TYPE = "type", _("Type")
        CRITICALITY = "criticality", _("Criticality")

    name = models.CharField(_("name"), max_length=150)
    public_id = models.UUIDField(_("public id"), unique=True, editable=False)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    default_type = models.ForeignKey(
        "tickets.TicketType",
        verbose_name=_("type of the tickets"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # One origin a line (https://www.example.com): the sites allowed to frame the form.
    allowed_origins = models.TextField(_("allowed origins"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    # In `fields` beside the fields asked: the form offers its visitors a live chat (chat app).
    OFFERS_CHAT = "chat"

    @property
    def origins(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]

    @property
    def offers_chat(self) -> bool:
        return self.OFFERS_CHAT in (self.fields or [])


class ImportMapping(models.Model):
    """The column mapping of a customer-base source (the ERP's export), remembered from one
    import to the next: our field -> their column title."""

    source = models.CharField(_("source"), max_length=50, unique=True)
    columns = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")

    def __str__(self):
        return self.source


class SyncSource(models.Model):
    """Where the ERP publishes its clients' export for the unattended sync: a file dropped in
    a folder of the server (under settings.HELPDESK_SYNC_DROP_ROOT) or an HTTPS address,
    fetched through the guarded client (core.net). Its rows are read with the mapping
    remembered for `source` (ImportMapping) by a periodic job; admins get a summary."""

    class Kind(models.TextChoices):
        FOLDER = "folder", _("Drop folder on the server")
        URL = "url", _("HTTPS address")

    name = models.CharField(_("name"), max_length=100)
    source = models.SlugField(
        _("source"),
        max_length=50,
        unique=True,
        help_text=_("The ERP's short name: organizations are matched by it and their reference."),
    )
    kind = models.CharField(_("where"), max_length=8, choices=Kind.choices, default=Kind.FOLDER)
    folder = models.CharField(_("folder"), max_length=200, blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    every_hours = models.PositiveSmallIntegerField(_("every (hours)"), default=24)
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    # The digest of the last file applied: the same file again is not read twice.
    last_digest = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("sync source")
        verbose_name_plural = _("sync sources")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class SyncRun(models.Model):
    """One reading of an export: a dry run or an application, started by an admin's upload
    or by the schedule. The worker writes its progress and counts after each batch of rows
    in the batch's own transaction, so a run killed half-way resumes where it stopped."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        UPLOAD = "upload", _("Uploaded file")
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Run now")

    source = models.SlugField(_("source"), max_length=50)
    sync_source = models.ForeignKey(
        SyncSource,
        verbose_name=_("sync source"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    dry_run = models.BooleanField(_("dry run"), default=True)
    # The copy of the file being read (default storage), its name as given, its digest.
    stored_name = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows read"), default=0)
    counts = models.JSONField(_("counts"), default=dict)
    # The first rows that change or fail (what the page shows), as dictionaries.
    lines = models.JSONField(default=list)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Written after each batch: a running run not updated for a while lost its worker.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The history page: newest first.
            models.Index(fields=["-created_at", "-id"], name="syncrun_newest_idx"),
        ]

    def __str__(self):
        return f"{self.source} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def in_error(self) -> int:
        return self.counts.get("invalid", 0) + self.counts.get("error", 0)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class WebFormSubmission(models.Model):
    """A web-form request typed in the name of a known contact, held until that person
    confirms it through the link emailed to their address: a form's email field is written
    by whoever fills it, so it proves nothing (as a From: header, intake.trust). Only a digest
    of the link's token is kept."""

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    type = models.ForeignKey(
        "tickets.TicketType", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    criticality = models.CharField(_("criticality"), max_length=20, blank=True)
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ticket_number = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("web form request awaiting confirmation")
        verbose_name_plural = _("web form requests awaiting confirmation")
        indexes = [
            # The daily purge: filter(created_at__lt=...).
            models.Index(fields=["created_at"], name="webformsub_created_idx"),
        ]

    def __str__(self):
        return f"{self.email}: {self.title}"


# The old helpdesk's import keeps its tables in its own module (integrations.legacy).
from .legacy.models import ImportedRecord, LegacyImport  # noqa: E402, F401
