"""Rows of the administration area: GDPR exports being prepared or ready to download."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GdprExport(models.Model):
    """Everything held about one person, prepared in the background as a ZIP that the admin who
    asked downloads through an access-checked view until expires_at (then the file is deleted)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="queued")
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(upload_to="gdpr/", max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("GDPR export")
        verbose_name_plural = _("GDPR exports")

    def __str__(self):
        return f"GDPR export {self.pk}"

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.READY, self.State.FAILED, self.State.EXPIRED)
