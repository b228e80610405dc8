from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        # The import's Celery task lives beside its code (integrations.legacy), where
        # autodiscovery (integrations.tasks) does not look.
        from .legacy import tasks  # noqa: F401
