"""TOTP devices and the second sign-in step, on top of django-otp.

Editors and admins sign in with their password first and are then signed in
but not verified: they may write like anyone, but `user.is_verified()` stays
false, so they cannot moderate, until a code from their device passes here.
Contributors who chose two-factor sign-in are not signed in at all until the
code passes: for them nothing else would hold an unverified session back.
"""

from __future__ import annotations

import time
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.contrib.auth import login as auth_login
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from altavoz.people.models import User

DEVICE_NAME = "authenticator"
# A contributor whose password passed has this long to type the code; long
# enough to find the phone, short enough that a forgotten tab is worthless.
PENDING_SECONDS = 300
PENDING_KEY = "altavoz_two_factor_pending"


def confirmed_devices(user: User) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True)


def has_confirmed_device(user: User) -> bool:
    return confirmed_devices(user).exists()


def unconfirmed_device(user: User) -> TOTPDevice:
    """The device being set up; reused so that reloading the page keeps the secret."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def grouped_secret(device: TOTPDevice) -> str:
    """The key in base32, in groups of four: easier to type by hand."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The provisioning URL as inline SVG: no image host, no script."""
    # A white background so the code stays readable under dark page styles.
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr", lineclass=None,
        title=_("QR code for your authenticator app"),  # segno escapes it
    )
    return mark_safe(svg)  # segno's own markup, built from our device's URL


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | None
    # Seconds django-otp's own back-off still refuses codes for (0: not throttled).
    wait: int = 0


def _check(devices: QuerySet[TOTPDevice], code: str) -> CodeCheck:
    wait = 0
    # Row locks: two requests must not both spend one code (django-otp's advice).
    with transaction.atomic():
        for device in devices.select_for_update():
            allowed, info = device.verify_is_allowed()
            if not allowed:
                until = (info or {}).get("locked_until")
                left = (until - timezone.now()).total_seconds() if until else 1
                wait = max(wait, int(left) + 1)
                continue
            if device.verify_token(code):
                return CodeCheck(device)
    return CodeCheck(None, wait)


def check_code(user: User, code: str) -> CodeCheck:
    return _check(confirmed_devices(user), code)


def check_setup_code(device: TOTPDevice, code: str) -> CodeCheck:
    candidates = TOTPDevice.objects.filter(pk=device.pk, user_id=device.user_id, confirmed=False)
    return _check(candidates, code)


def mark_verified(request: HttpRequest, device: TOTPDevice) -> None:
    # A fresh session id whenever privileges rise, against session fixation.
    request.session.cycle_key()
    otp_login(request, device)


def begin_pending(request: HttpRequest, user: User) -> None:
    """Remember a user whose password passed but whose code is still due."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "hash": user.get_session_auth_hash(),
        "at": time.time(),
    }


def pending_user(request: HttpRequest) -> User | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    # A password changed meanwhile voids the first step.
    if user is None or user.get_session_auth_hash() != data.get("hash"):
        request.session.pop(PENDING_KEY, None)
        return None
    return user


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def finish_pending(request: HttpRequest, user: User, device: TOTPDevice) -> None:
    data = request.session.pop(PENDING_KEY, {})
    auth_login(request, user, backend=data.get("backend"))  # also cycles the session id
    otp_login(request, device)
