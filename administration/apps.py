from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """Pages for admins that read or edit several apps (top floor): for now the outbox log and
    the chat webhooks under /mail/."""

    name = "administration"
    label = "administration"
    verbose_name = _("Administration")
