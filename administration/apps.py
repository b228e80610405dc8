from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """Pages for admins that read or edit several apps (top floor): the outbox log and the chat
    webhooks under /mail/, the audit log and the GDPR tools under /admin/."""

    name = "administration"
    label = "administration"
    verbose_name = _("Administration")

    def ready(self):
        # What the audit log watches, in one place (administration/audit.py).
        from . import audit

        audit.register_models()
