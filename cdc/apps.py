from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CdcConfig(AppConfig):
    name = "cdc"
    verbose_name = _("Change requests")
