"""Account tests share the in-memory cache; each starts and ends with it empty
so one test's throttling never blocks another's sign-in."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def code_at(device: TOTPDevice, offset: int = 0) -> str:
    """The device's code `offset` seconds from now. A code one step ahead is
    still accepted (tolerance 1) when the current one was just spent."""
    device.refresh_from_db()
    otp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    otp.time = time.time() + offset
    return f"{otp.token():0{device.digits}d}"


def log_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        "/es/account/login/", {"username": username, "password": password}, **extra
    )
