"""Knowledge base: spaces (one per client organization, one shared by every client, one
internal to the support team), pages written in Markdown with their revisions, files and tags,
and what readers did with them (views, "this solved my problem").

A page's HTML is rendered once per revision (wiki.markup) and stored with it; the page keeps a
copy of its current revision's text and HTML so that reading it needs no join.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _


class Space(models.Model):
    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("Client organization")
        SHARED = "shared", _("Shared with every client")
        INTERNAL = "internal", _("Internal (support team only)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="wiki_spaces",
    )
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("wiki space")
        verbose_name_plural = _("wiki spaces")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(organization__isnull=False),
                name="wiki_space_one_per_organization",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind__in=["shared", "internal"]),
                name="wiki_space_one_shared_one_internal",
            ),
            models.CheckConstraint(
                condition=Q(kind="organization", organization__isnull=False)
                | Q(~Q(kind="organization"), organization__isnull=True),
                name="wiki_space_organization_iff_kind",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("wiki:space", args=[self.pk])


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class Page(models.Model):
    class Visibility(models.TextChoices):
        STAFF = "staff", _("Support team only")
        ORGANIZATION = "organization", _("The organization's users")
        CLIENTS = "clients", _("Every client")

    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.CASCADE, related_name="pages"
    )
    # The space's organization, copied so that deciding who reads a page needs no join.
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(blank=True)
    toc = models.JSONField(default=list, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.STAFF
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="pages")
    # The tag names, comma separated: shown in lists and searched without a join.
    tags_text = models.CharField(max_length=255, blank=True)
    # Bumped by every edit; an edit made on an older version is refused (core.locking).
    version = models.PositiveIntegerField(_("version"), default=1)
    source_ticket_number = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("solved a problem"), default=0)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("wiki page")
        verbose_name_plural = _("wiki pages")
        indexes = [
            # A space's pages by title (the space page); who-reads-what filters on the
            # organization and visibility of a few thousand rows at most.
            models.Index(fields=["space", "title"], name="wiki_page_space_title"),
            models.Index(fields=["organization", "visibility"], name="wiki_page_org_visibility"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("wiki:page", args=[self.pk])

    @property
    def html(self) -> SafeString:
        """The stored HTML of the current revision: wiki.markup's output, sanitized when it
        was rendered (core.html), so it is shown as it is."""
        return mark_safe(self.body_html)  # noqa: S308 - sanitized when stored

    @property
    def tag_names(self) -> list[str]:
        return [name for name in self.tags_text.split(",") if name]


class Revision(models.Model):
    """One saved state of a page: who wrote it, when, and its text rendered once."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(blank=True)
    toc = models.JSONField(default=list, blank=True)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            # Also the index of the history page: a page's revisions newest first.
            models.UniqueConstraint(fields=["page", "number"], name="wiki_revision_page_number")
        ]

    def __str__(self):
        return f"{self.page_id} r{self.number}"

    def get_absolute_url(self):
        return reverse("wiki:revision", args=[self.page_id, self.number])

    @property
    def html(self) -> SafeString:
        return mark_safe(self.body_html)  # noqa: S308 - sanitized when stored


def attachment_path(instance, filename):
    ext = os.path.splitext(filename)[1].lower()[:12]
    return f"wiki/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class Attachment(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="attachments")
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
        return reverse("wiki:attachment", args=[self.page_id, self.pk])


class HelpfulMark(models.Model):
    """A reader said the page solved their problem (once per person and page); from_suggestion
    when they found it among the suggestions of the new-ticket form (a ticket not filed)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="helpful_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    from_suggestion = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], name="wiki_helpful_once_per_person")
        ]

    def __str__(self):
        return f"{self.page_id} {self.user_id}"
