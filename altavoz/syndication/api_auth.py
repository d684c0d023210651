"""Who is calling: a bearer token, and for editors a current two-factor code.

Only the token counts. A signed-in browser session is ignored on purpose: the
API skips Django's CSRF check, so accepting session cookies would let any
other site make a visitor's browser act through it.
"""

from __future__ import annotations

import functools
import re

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.middleware import is_verified
from ninja.security import HttpBearer

from altavoz.people import tokens, two_factor
from altavoz.people.models import ApiToken, User
from altavoz.syndication.api_errors import ApiError

OTP_HEADER = "X-OTP-Code"
_CODE = re.compile(r"^[0-9]{6,8}\Z")
_INVALID = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer avz_…`. A missing header is a plain 401 (ninja's
    AuthenticationError, worded in api_errors); a wrong one says what is wrong."""

    openapi_description = "An API token: `Authorization: Bearer avz_…`."

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        header = request.headers.get(self.header, "")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise ApiError(401, _("Send the token as: Authorization: Bearer <token>."),
                           code="invalid_token", headers=_INVALID)
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = tokens.find(token)
        if found.token is not None:
            return found.token
        messages = {
            "revoked": _("This API token was revoked. Ask for a new one."),
            "inactive": _("The account this API token belongs to is disabled."),
        }
        message = messages.get(found.problem) or _(
            "This API token is not valid. Check that it was copied whole, or ask for a new one."
        )
        raise ApiError(401, message, code="invalid_token", headers=_INVALID)


token_auth = TokenAuth()


def caller(request: HttpRequest) -> User:
    """The token's owner (never request.user: that is the session's)."""
    return request.auth.user  # type: ignore[attr-defined]


class EditorAuth(TokenAuth):
    """A token whose owner is an editor or admin, plus a current TOTP code in
    X-OTP-Code. Checked before the request's body, so a contributor learns
    that they may not moderate rather than what their payload lacks."""

    openapi_description = (
        f"An editor's or admin's API token, and a current TOTP code in {OTP_HEADER}."
    )

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = super().authenticate(request, token)
        verify_editor(found, request.headers.get(OTP_HEADER))
        return found


editor_auth = EditorAuth()


def verify_editor(token: ApiToken, code: str | None) -> User:
    """The token's owner, if an editor or admin whose TOTP device accepts `code`.

    The user comes back marked as django-otp's middleware marks a verified
    session (otp_device set, is_verified() true), so the workflow's own
    may_moderate check passes, for this request only.
    """
    user = token.user
    if not user.is_editor:
        raise ApiError(403, _("Only editors and admins may moderate."), code="not_editor")
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise ApiError(403, _("Moderating needs a current two-factor code: send the code from "
                              "your authenticator app in the header %(header)s.")
                       % {"header": OTP_HEADER}, code="otp_required")
    devices = two_factor.confirmed_devices(user)
    if not devices.exists():
        raise ApiError(403, _("Set up two-factor sign-in on the site first (sign in once with "
                              "your password); then send its codes in the header %(header)s.")
                       % {"header": OTP_HEADER}, code="otp_not_set_up")
    device = None
    if _CODE.match(code):
        if tokens.verified_code_matches(token, code):
            device = devices.first()
        else:
            check = two_factor.check_code(user, code)
            if check.wait:
                raise ApiError(429, _("Too many wrong codes. Wait %(seconds)d seconds, then "
                                      "send a new one.") % {"seconds": check.wait},
                               code="otp_throttled", headers={"Retry-After": str(check.wait)})
            device = check.device
            if device is not None:
                tokens.remember_code(token, code)
    if device is None:
        raise ApiError(403, _("That two-factor code is wrong or no longer current. Send the "
                              "code your authenticator app shows now."), code="otp_invalid")
    user.otp_device = device
    user.is_verified = functools.partial(is_verified, user)
    return user
