"""Sends a logged-in person who has not passed the second factor to the code page; gives a
logged-in person their profile's language."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import LazyObject, empty

from . import access

# Paths a person may reach before entering their code: the code pages, leaving, and the
# anonymous account pages. Changing the password or the email address needs the code first.
ALLOWED_PREFIXES = (
    "/static/",
    "/healthz",
    "/ping",
    "/csp-report/",
    "/i18n/",
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
    "/accounts/inactive/",
    # The badges' colours, linked from every page, the second-factor page included.
    "/tickets/status-colours.css",
)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The person is loaded here anyway: later reads get them directly rather than through
        # the two lazy wrappers of Django's auth middleware and django-otp's (each attribute
        # read went through both, a few hundred times a page).
        user = request.user = loaded(request.user)
        if (
            user.is_authenticated
            and not user.is_verified()
            and access.requires_second_factor(user)
            and not self._allowed(request.path)
        ):
            target = reverse("accounts:2fa") + "?" + urlencode({"next": request.get_full_path()})
            if getattr(request, "htmx", False):
                response = redirect(target)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        return path.startswith(ALLOWED_PREFIXES)


def loaded(user):
    """user itself, out of the lazy objects wrapping it (loaded now if it was not yet)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class ProfileLanguageMiddleware:
    """A logged-in person always gets their profile's language, whatever the cookie or the
    browser say (set after Django's LocaleMiddleware, which serves visitors: the language
    cookie of the switch, else the browser's Accept-Language among LANGUAGES, else French).
    The language switch writes the profile (accounts.views.set_language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
