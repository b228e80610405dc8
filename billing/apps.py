from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Time and contracts")

    def ready(self):
        from cdc import hooks

        from . import quotes

        hooks.register(quotes.on_step)
