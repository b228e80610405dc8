"""allauth adapter: sign-up policy of the helpdesk (open or closed, approval by an admin)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings

from . import access, services


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.HELPDESK_SIGNUP_OPEN

    def save_user(self, request, user, form, commit=True):
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

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ):
        # "Signed in" would be premature while the emailed code is still to be entered.
        if message_template == "account/messages/logged_in.txt":
            user = (message_context or {}).get("user") or getattr(request, "user", None)
            if user is not None and access.requires_second_factor(user):
                return
        return super().add_message(
            request, level, message_template, message_context, extra_tags, message
        )
