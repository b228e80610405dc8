"""Second factor: a 6-digit code emailed at each new session (seed 004), TOTP as an option.

- A code is valid 10 minutes (OTP_EMAIL_TOKEN_VALIDITY) and works once.
- After HELPDESK_2FA_MAX_ATTEMPTS wrong codes the code is void: a new one must be requested.
- Who must pass it: roles in HELPDESK_2FA_REQUIRED_ROLES ("*": everyone); demo accounts never.
- A session counts as verified when django_otp has logged a device into it (user.is_verified()).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import emails

logger = logging.getLogger(__name__)

EMAIL_DEVICE_NAME = "email"
ATTEMPTS_KEY = "helpdesk_2fa_attempts"
SENT_KEY = "helpdesk_2fa_sent"


def email_device(user) -> EmailDevice:
    device, _ = EmailDevice.objects.get_or_create(
        user=user, name=EMAIL_DEVICE_NAME, defaults={"confirmed": True}
    )
    return device


def send_code(request) -> None:
    """Email a fresh code to the logged-in user; any earlier code stops working."""
    user = request.user
    device = email_device(user)
    device.generate_token(valid_secs=settings.OTP_EMAIL_TOKEN_VALIDITY)
    request.session[ATTEMPTS_KEY] = 0
    request.session[SENT_KEY] = timezone.now().isoformat()
    emails.send_to_user(
        user,
        "login_code",
        {"code": device.token, "minutes": settings.OTP_EMAIL_TOKEN_VALIDITY // 60},
        # The person is waiting on the code page: sent from this process, not the queue.
        headers={"X-Helpdesk-Deliver": "now"},
    )
    logger.info("2FA code emailed to user %s", user.pk)


def code_was_sent(request) -> bool:
    return SENT_KEY in request.session


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    reason: str = ""  # "wrong", "expired", "exhausted"


def check_code(request, code: str) -> CodeCheck:
    """Verify code for the session's user; on success the session is verified."""
    user = request.user
    code = "".join(code.split())
    attempts = request.session.get(ATTEMPTS_KEY, 0)
    device = email_device(user)
    if attempts >= settings.HELPDESK_2FA_MAX_ATTEMPTS:
        return CodeCheck(False, "exhausted")
    if device.token and device.token == code and device.valid_until < timezone.now():
        return CodeCheck(False, "expired")
    if device.verify_token(code):
        return _verified(request, device)
    for other in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if other.verify_token(code):
            return _verified(request, other)
    for static in StaticDevice.objects.devices_for_user(user, confirmed=True):
        if static.verify_token(code):
            return _verified(request, static)
    attempts += 1
    request.session[ATTEMPTS_KEY] = attempts
    if attempts >= settings.HELPDESK_2FA_MAX_ATTEMPTS:
        device.token = None  # the code is void: a new one must be requested
        device.save(update_fields=["token"])
        return CodeCheck(False, "exhausted")
    return CodeCheck(False, "wrong")


def _verified(request, device) -> CodeCheck:
    otp_login(request, device)
    request.session.pop(ATTEMPTS_KEY, None)
    request.session.pop(SENT_KEY, None)
    return CodeCheck(True)


# --- Optional devices (profile page) -----------------------------------------------------------


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="app", confirmed=False)


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
