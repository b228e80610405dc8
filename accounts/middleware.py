"""Reads the device a person passed the second factor with; sends a logged-in person who has
not passed it to the code page; gives a logged-in person their profile's language."""

import functools
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import LazyObject, empty
from django_otp import middleware as otp_middleware
from django_otp.models import Device

from core.prepared import Prepared

from . import access


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's, reading the device named in the session by a statement compiled once per
    process (core.prepared.Prepared): every page reads it, and the ORM compiling that query
    again each time cost more than running it. The same device, the same checks after
    (django-otp's _finalize_device: the person's own, confirmed)."""

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            label, device_id = persistent_id.rsplit("/", 1)
            model = apps.get_model(label)
            pk = int(device_id)
        except (ValueError, LookupError):
            return None
        if not issubclass(model, Device) or not 0 < pk < 2**63:
            return None
        found = _device_statement(model).models(pk=pk)
        return found[0] if found else None


@functools.cache
def _device_statement(model) -> Prepared:
    return Prepared(lambda pk: model.objects.filter(pk=pk), "pk")


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
