"""What an import of an old helpdesk keeps: which of our rows each source row became
(ImportedRecord), and the runs started from the administration pages (LegacyImport)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedRecord(models.Model):
    """A row of an old helpdesk's export and the row of ours it became. Written in the same
    transaction as that row, so a run that stops half-way and starts again skips exactly what
    was committed and nothing twice."""

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("Organization")
        PERSON = "person", _("Person")
        TICKET = "ticket", _("Ticket")
        ENTRY = "entry", _("Reply or note")

    # The name of the old helpdesk (the export's manifest): two sources never share ids.
    source = models.CharField(_("source"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source_id = models.CharField(_("source id"), max_length=254)
    # The primary key of our row (an organization, a user, a ticket or an event, by kind).
    object_id = models.PositiveBigIntegerField(_("our id"))
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        constraints = [
            # Also the index of the importer's lookups: filter(source=, kind=, source_id__in=).
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="imported_record_source_uniq"
            )
        ]

    def __str__(self):
        return f"{self.source}:{self.kind}:{self.source_id} -> {self.object_id}"


def legacy_import_path(instance, filename):
    return f"legacy-imports/{timezone.now():%Y/%m}/{instance.token}.zip"


class LegacyImport(models.Model):
    """An import started from the administration pages: the uploaded ZIP, imported by a Celery
    task that saves its progress after each batch; the report lists the rows it skipped."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped")

    class Origin(models.TextChoices):
        EXPORT = "export", _("Export in the helpdesk format (manifest.json and JSON Lines)")
        DJANGO_HELPDESK = "django-helpdesk", _("django-helpdesk (dumpdata JSON and its media)")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    token = models.CharField(max_length=32, unique=True)
    archive = models.FileField(upload_to=legacy_import_path, max_length=255, blank=True)
    original_name = models.CharField(_("file"), max_length=200)
    origin = models.CharField(
        _("format"), max_length=20, choices=Origin.choices, default=Origin.EXPORT
    )
    size = models.PositiveBigIntegerField(_("size"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="queued")
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # {"ticket": {"created": n, "unchanged": n, "skipped": n}, ...}
    counts = models.JSONField(default=dict, blank=True)
    # [{"file": ..., "line": n, "id": ..., "reason": ...}], the first PROBLEMS_KEPT of them.
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    PROBLEMS_KEPT = 1000

    class Meta:
        verbose_name = _("helpdesk import")
        verbose_name_plural = _("helpdesk imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.original_name

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def progress(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
