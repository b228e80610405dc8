"""allauth adapter: sign-up policy of the helpdesk (open or closed, approval by an admin), the
first login code sent by the login POST, the same answer to a sign-up whatever the address."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.shortcuts import redirect

from . import access, policies, services, twofactor


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return policies.current().signup_open

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit)
        services.register_signup(user)
        return user

    def pre_login(self, request, user, **kwargs):
        # A new account waiting for approval still confirms its address right away, so that
        # the admin's approval is the only step left. The page is the one an address already
        # registered gets ("check your email", allauth's ACCOUNT_PREVENT_ENUMERATION): a
        # sign-up does not tell whether an account exists.
        if user.awaiting_approval and kwargs.get("signup"):
            for address in EmailAddress.objects.filter(user=user, verified=False):
                address.send_confirmation(request, signup=True)
            return redirect("account_email_verification_sent")
        return super().pre_login(request, user, **kwargs)

    def login(self, request, user):
        """Log in, then email the first code of the second factor as part of this POST (the
        code page itself never sends one on GET)."""
        super().login(request, user)
        if access.requires_second_factor(user):
            sending = twofactor.send_code(request)
            if not sending.sent:
                messages.warning(request, twofactor.not_sent_message(sending.wait))

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
