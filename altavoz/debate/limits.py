"""Per-contributor comment rate limits, in Django's cache (memory) only.

Two fixed windows, each starting at the first comment in it: a burst limit
(settings.ALTAVOZ_COMMENT_BURST per ALTAVOZ_COMMENT_BURST_WINDOW seconds) that
stops floods, and a daily one (ALTAVOZ_COMMENT_DAILY_LIMIT) that stops a patient
script. Signed-in people are keyed by user id; anonymous commenters (when the
site allows them) by the keyed hash of their network that people.throttle makes,
never by an address.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

_PREFIX = "altavoz:debate:rate"
_DAY = 24 * 3600


class RateLimited(Exception):
    """Too many comments for now; `retry_after` says in how many seconds to try again."""

    def __init__(self, retry_after: int, message: str = "") -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message or _(
            "You have posted many comments in a short time. Please wait %(minutes)d "
            "minute(s) before posting again."
        ) % {"minutes": math.ceil(self.retry_after / 60)})


def user_key(user_pk: int) -> str:
    return f"user:{user_pk}"


def anonymous_key(network_digest: str) -> str:
    return f"anon:{network_digest}"


def _windows() -> list[tuple[int, int]]:
    return [
        (settings.ALTAVOZ_COMMENT_BURST, settings.ALTAVOZ_COMMENT_BURST_WINDOW),
        (settings.ALTAVOZ_COMMENT_DAILY_LIMIT, _DAY),
    ]


def _keys(key: str, seconds: int) -> tuple[str, str]:
    base = f"{_PREFIX}:{key}:{seconds}"
    return f"{base}:n", f"{base}:t"


def check(key: str) -> None:
    """Raise RateLimited when any window is full."""
    now = time.time()
    wait = 0
    for limit, seconds in _windows():
        count_key, since_key = _keys(key, seconds)
        if (cache.get(count_key) or 0) < limit:
            continue
        since = cache.get(since_key) or now
        wait = max(wait, math.ceil(since + seconds - now), 1)
    if wait:
        raise RateLimited(wait)


def record(key: str) -> None:
    """Count one comment in every window."""
    now = time.time()
    for _limit, seconds in _windows():
        count_key, since_key = _keys(key, seconds)
        cache.add(since_key, now, seconds)  # only when absent: the window starts now
        if cache.add(count_key, 1, seconds):
            continue
        try:
            cache.incr(count_key)
        except ValueError:  # expired between add() and incr()
            cache.set(count_key, 1, seconds)
