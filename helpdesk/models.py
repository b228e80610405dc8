"""Project-level rows: the heartbeat that shows background jobs are alive."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Last time a background job ran, per source ("worker" from beat's periodic job)."""

    source = models.CharField(_("source"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("last beat"))
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.source} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
