from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The outbox: emails and chat-webhook posts, delivered and retried. Imports no other app of
    ours: apps above register job handlers (notifications.jobs) and their own addresses
    (notifications.addresses) in their ready()."""

    name = "notifications"
    label = "notifications"
    verbose_name = _("Notifications")
