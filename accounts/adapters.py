"""allauth adapter: sign-up policy of the helpdesk."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.HELPDESK_SIGNUP_OPEN
