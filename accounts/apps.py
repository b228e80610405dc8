from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # The login history (GDPR export, audit log): one audit entry per login, with the address.
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_record_login, dispatch_uid="accounts_record_login")


def _record_login(sender, request, user, **kwargs):
    from core import audit

    address = audit.client_address(request) if request is not None else None
    audit.record(user, "login", actor=user, remote_addr=address)
