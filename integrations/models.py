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

    @property
    def origins(self) -> list[str]:
        return [line.strip() for line in self.allowed_origins.splitlines() if line.strip()]


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


# The old helpdesk's import keeps its tables in its own module (integrations.legacy).
from .legacy.models import ImportedRecord, LegacyImport  # noqa: E402, F401
