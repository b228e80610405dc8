from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    label = "intake"
    verbose_name = _("Email intake")

    def ready(self):
        from notifications import addresses

        from . import selectors, services

        # Notifiers ask notifications which addresses are ours (never written to) and where
        # clients answer by default (the first active mailbox).
        addresses.register_own_addresses(services.own_addresses)
        addresses.register_default_reply_to(selectors.default_reply_to)
