"""API tokens: made, checked, revoked.

A token is "avz_" + 43 URL-safe characters (32 random bytes). The prefix lets
people and secret scanners recognise one pasted where it should not be.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from altavoz.people.models import ApiToken, User

PREFIX = "avz_"
_SECRET_BYTES = 32
# Longer than any token we issue, with room; anything longer is junk, not a token.
MAX_TOKEN_CHARS = 100
HINT_CHARS = 8
# last_used_at answers "is this token still in use?", which needs days, not
# seconds: one write per hour at most instead of one per request.
LAST_USED_PRECISION = timedelta(hours=1)
# How long a two-factor code, once accepted for a token, may be sent again with
# it. TOTP codes are current for 30 s, accepted ±1 step (django-otp's default
# tolerance): 90 s. Without this a script could moderate once per 30 s only,
# since django-otp refuses a code it has already accepted.
OTP_REUSE = timedelta(seconds=90)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`; the secret is returned here and never again."""
    raw = PREFIX + secrets.token_urlsafe(_SECRET_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_hash=hash_token(raw), hint=raw[: len(PREFIX) + HINT_CHARS]
    )
    return token, raw


@dataclass(frozen=True)
class Lookup:
    token: ApiToken | None
    # Why there is no token: "unknown", "revoked" or "inactive" (the account).
    problem: str = ""


def find(raw: str) -> Lookup:
    """The live token `raw` stands for, with its user loaded."""
    if not raw or len(raw) > MAX_TOKEN_CHARS:
        return Lookup(None, "unknown")
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None:
        return Lookup(None, "unknown")
    if token.revoked_at is not None:
        return Lookup(None, "revoked")
    if not token.user.is_active:
        return Lookup(None, "inactive")
    _touch(token)
    return Lookup(token)


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def revoke_all(user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _code_hash(token: ApiToken, code: str) -> str:
    # Keyed with the token's digest so the stored value means nothing elsewhere.
    return hmac.new(token.key_hash.encode(), code.encode(), hashlib.sha256).hexdigest()


def remember_code(token: ApiToken, code: str) -> None:
    """The device accepted `code` for this token: it may be sent again for a while."""
    token.otp_code_hash = _code_hash(token, code)
    token.otp_valid_until = timezone.now() + OTP_REUSE
    token.save(update_fields=["otp_code_hash", "otp_valid_until"])


def verified_code_matches(token: ApiToken, code: str) -> bool:
    """True if `code` is the one this token had accepted and it is still current."""
    return bool(
        token.otp_code_hash
        and token.otp_valid_until is not None
        and token.otp_valid_until > timezone.now()
        and hmac.compare_digest(token.otp_code_hash, _code_hash(token, code))
    )
