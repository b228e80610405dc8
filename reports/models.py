"""Reports compute from tickets and change requests; they keep only the weekly subscriptions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportSubscription(models.Model):
    """A person receives a report by email every Monday, for the week before, with the
    filters they had when they subscribed (query: the report's query string, dates aside)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    report = models.CharField(_("report"), max_length=30)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    class Meta:
        ordering = ["report"]
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [
            # Also the index of "my subscriptions" (the reports page) and of the toggle.
            models.UniqueConstraint(fields=["user", "report"], name="report_subscription_uniq")
        ]

    def __str__(self):
        return f"{self.user_id} {self.report}"
