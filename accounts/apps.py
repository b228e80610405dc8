from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import selectors
        from .models import Organization

        # The cached client picker (selectors.organization_names).
        for signal in (post_save, post_delete):
            signal.connect(
                selectors.organizations_changed,
                sender=Organization,
                dispatch_uid=f"organization-names-{signal is post_save}",
            )
