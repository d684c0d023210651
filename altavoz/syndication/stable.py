"""Feeds whose bytes depend only on their entries.

Django dates an empty feed "now", so every edition build would rewrite every
empty feed (and every mirror would download it again). An empty feed is dated
at the Unix epoch instead: it never changed."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class StableDateMixin:
    items: list

    def latest_post_date(self) -> datetime:
        if not self.items:
            return NEVER
        return super().latest_post_date()


class StableAtom(StableDateMixin, Atom1Feed):
    pass


class StableRss(StableDateMixin, Rss201rev2Feed):
    pass
