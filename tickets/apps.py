from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from . import (
            assigned_flag,
            reference,  # noqa: F401  (connects its cache invalidation)
        )

        # SQLite only: the triggers behind Ticket.is_assigned (see tickets/assigned_flag.py).
        pre_migrate.connect(assigned_flag.before_migrate, sender=self)
        post_migrate.connect(assigned_flag.after_migrate, sender=self)

        # Ticket events become notification jobs (emails and chat posts): tickets/notify.py.
        from . import notify

        notify.connect()
