"""Second factor: a 6-digit code emailed at each new session (seed 004), TOTP as an option.

- The first code is emailed by the login POST itself; the code page only shows a form, and a
  new code is sent only on POST ("Send me a new code"). A code is valid 10 minutes
  (OTP_EMAIL_TOKEN_VALIDITY), works once, and only in the session that asked for it (the
  session keeps a keyed hash of the code it was sent; a code from another session is wrong).
- Limits per account and per IP address over HELPDESK_2FA_WINDOW_SECONDS, in the shared cache
  (core.ratelimit), so that new sessions do not bring new tries: HELPDESK_2FA_MAX_ATTEMPTS
  wrong codes (then every code is refused, the right one too, and the emailed code is void),
  HELPDESK_2FA_MAX_CODES codes emailed; between two codes, OTP_EMAIL_COOLDOWN_DURATION
  seconds (django-otp's cooldown). django-otp's own throttling adds a growing delay after each
  wrong code (OTP_*_THROTTLE_FACTOR).
- Who must pass it: roles in HELPDESK_2FA_REQUIRED_ROLES ("*": everyone); demo accounts never.
- A session counts as verified when django_otp has logged a device into it (user.is_verified());
  its key changes at that moment.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import ratelimit

from . import emails

logger = logging.getLogger(__name__)

EMAIL_DEVICE_NAME = "email"
SENT_KEY = "helpdesk_2fa_sent"  # the session asked for a code: the keyed hash of that code
WRONG = "2fa-wrong"  # counters of core.ratelimit: wrong codes
CODES = "2fa-code"  # codes emailed


def email_device(user) -> EmailDevice:
    device, _ = EmailDevice.objects.get_or_create(
        user=user, name=EMAIL_DEVICE_NAME, defaults={"confirmed": True}
    )
    return device


def _client_ip(request) -> str:
    # allauth's reading of the address (ALLAUTH_TRUSTED_PROXY_COUNT...), as for its own limits.
    return get_adapter().get_client_ip(request)


def _counters(request, per_account: int, per_ip: int) -> list[tuple[str, int]]:
    """(who, limit): a counter is kept for the account and one for the IP address."""
    return [(f"user:{request.user.pk}", per_account), (f"ip:{_client_ip(request)}", per_ip)]


def _window() -> int:
    return settings.HELPDESK_2FA_WINDOW_SECONDS


def _code_hash(device: EmailDevice, code: str) -> str:
    return salted_hmac("helpdesk.2fa.code", f"{device.pk}:{code}").hexdigest()


def _seconds_until(moment) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


@dataclass(frozen=True)
class Sending:
    sent: bool
    wait: int = 0  # seconds before a code may be asked for again


def send_code(request) -> Sending:
    """Email a fresh code to the logged-in user, bound to this session; any earlier code stops
    working. Refused (nothing sent, the earlier code still works) within the cooldown after
    the last code or past the number of codes per window (account or IP address)."""
    user = request.user
    device = email_device(user)
    allowed, data = device.generate_is_allowed()
    if not allowed:
        return Sending(False, _seconds_until(data["next_generation_at"]))
    counters = _counters(
        request, settings.HELPDESK_2FA_MAX_CODES, settings.HELPDESK_2FA_MAX_CODES_PER_IP
    )
    for ident, limit in counters:
        count = ratelimit.peek(CODES, ident, _window())
        if count.count >= limit:
            return Sending(False, count.wait)
    for ident, _limit in counters:
        ratelimit.hit(CODES, ident, _window())
    device.cooldown_set(commit=False)
    device.generate_token(valid_secs=settings.OTP_EMAIL_TOKEN_VALIDITY)
    request.session[SENT_KEY] = _code_hash(device, device.token)
    emails.send_to_user(
        user,
        "login_code",
        {"code": device.token, "minutes": settings.OTP_EMAIL_TOKEN_VALIDITY // 60},
        # The person is waiting on the code page: sent from this process, not the queue.
        headers={"X-Helpdesk-Deliver": "now"},
    )
    logger.info("2FA code emailed to user %s", user.pk)
    return Sending(True)


def code_was_sent(request) -> bool:
    return SENT_KEY in request.session


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    reason: str = ""  # "wrong", "expired", "locked" (too many wrong codes), "throttled"
    wait: int = 0  # seconds before another try (locked, throttled)


def _wrong_code_counters(request) -> list[tuple[str, int]]:
    return _counters(
        request, settings.HELPDESK_2FA_MAX_ATTEMPTS, settings.HELPDESK_2FA_MAX_ATTEMPTS_PER_IP
    )


def _locked(request) -> int:
    """Seconds left in the window when the account or the address has no tries left."""
    for ident, limit in _wrong_code_counters(request):
        count = ratelimit.peek(WRONG, ident, _window())
        if count.count >= limit:
            return count.wait
    return 0


def check_code(request, code: str) -> CodeCheck:
    """Verify code for the session's user; on success the session is verified and gets a new
    key. Refused without looking at the code when the account or the address is out of tries
    (CodeCheck.wait: until the window ends) or django-otp's throttle asks to wait."""
    user = request.user
    code = "".join(code.split())
    wait = _locked(request)
    if wait:
        return CodeCheck(False, "locked", wait)
    device = email_device(user)
    allowed, data = device.verify_is_allowed()
    if not allowed and "locked_until" in data:
        return CodeCheck(False, "throttled", _seconds_until(data["locked_until"]))
    sent_here = request.session.get(SENT_KEY, "")
    if device.token and sent_here and constant_time_compare(sent_here, _code_hash(device, code)):
        if device.valid_until < timezone.now():
            return CodeCheck(False, "expired")
        if device.verify_token(code):  # on a wrong answer it counts for the throttle itself
            return _verified(request, device)
    else:
        # Not the code this session was sent (another session's code is refused as well).
        for other in (
            *TOTPDevice.objects.devices_for_user(user, confirmed=True),
            *StaticDevice.objects.devices_for_user(user, confirmed=True),
        ):
            if other.verify_token(code):
                device.throttle_reset()
                return _verified(request, other)
        device.throttle_increment()  # as verify_token() does for a wrong code
    return _wrong(request, device)


def _wrong(request, device: EmailDevice) -> CodeCheck:
    locked = 0
    for ident, limit in _wrong_code_counters(request):
        count = ratelimit.hit(WRONG, ident, _window())
        if count.count >= limit:
            locked = max(locked, count.wait)
    if locked:
        device.token = None  # the emailed code is void: a new one will be needed
        device.save(update_fields=["token"])
        logger.warning("2FA locked for user %s after wrong codes", request.user.pk)
        return CodeCheck(False, "locked", locked)
    return CodeCheck(False, "wrong")


def _verified(request, device) -> CodeCheck:
    otp_login(request, device)
    request.session.pop(SENT_KEY, None)
    # A new session key once the second factor is passed: a key seen before (fixation, a
    # shared machine) does not become a verified session.
    request.session.cycle_key()
    return CodeCheck(True)


# --- What the person is told ------------------------------------------------------------------


def wait_text(seconds: int) -> str:
    """How long to wait, rounded up: "45 seconds" (under two minutes), else "13 minutes"."""
    if seconds < 120:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def refusal_message(check: CodeCheck) -> str:
    if check.reason == "locked":
        return _(
            "Too many wrong codes for this account. For your security, no code is accepted "
            "for %(wait)s; then ask for a new code."
        ) % {"wait": wait_text(check.wait)}
    if check.reason == "throttled":
        return _("Wait %(wait)s before trying another code.") % {"wait": wait_text(check.wait)}
    if check.reason == "expired":
        return _("This code has expired. Ask for a new code.")
    return _("This code is not right. Check the last email we sent you.")


def not_sent_message(wait: int) -> str:
    return _("A new code cannot be sent yet: you can ask for one in %(wait)s.") % {
        "wait": wait_text(wait)
    }


# --- Optional devices (profile page) -----------------------------------------------------------


def pending_totp_device(user) -> TOTPDevice | None:
    """The unconfirmed authenticator-app device being set up, if any (read only)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def start_totp_device(user) -> TOTPDevice:
    """Begin setting up an authenticator app: a new secret, unconfirmed until a code from it is
    entered (any earlier unconfirmed one is replaced)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="app", confirmed=False)


def confirm_totp_device(user, code: str) -> bool:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token("".join(code.split())):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def new_recovery_codes(user, count: int = 10) -> list[str]:
    """Replace the user's recovery codes; each works once. Returned once, to show once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def reset_devices(user) -> None:
    """Forget every second-factor device of user (admin action "reset 2FA")."""
    for model in (EmailDevice, TOTPDevice, StaticDevice):
        model.objects.filter(user=user).delete()
