"""allauth adapter: sign-up policy of the helpdesk (open or closed, approval by an admin)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.HELPDESK_SIGNUP_OPEN

    def save_user(self, request, user, form, commit=True):
        from . import services

        user = super().save_user(request, user, form, commit)
        services.register_signup(user)
        return user
