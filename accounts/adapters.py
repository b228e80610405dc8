"""allauth adapter: sign-up policy of the helpdesk (open or closed, approval by an admin)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.HELPDESK_SIGNUP_OPEN

    def save_user(self, request, user, form, commit=True):
        from . import services

        user = super().save_user(request, user, form, commit)
        services.register_signup(user)
        return user

    def pre_login(self, request, user, **kwargs):
        # A new account waiting for approval still confirms its address right away, so that
        # the admin's approval is the only step left.
        if user.awaiting_approval and kwargs.get("signup"):
            for address in EmailAddress.objects.filter(user=user, verified=False):
                address.send_confirmation(request, signup=True)
        return super().pre_login(request, user, **kwargs)
