"""Fixtures for the reader's pages: a factory for published articles and a
second section, so listings have something to tell apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from altavoz.newsroom.models import Article, Section
from tests.conftest import make_article


@pytest.fixture
def other_section(db) -> Section:
    return Section.objects.create(
        slug="opinion", names={"es": "Opinión", "en": "Opinion"}, position=2
    )


@pytest.fixture
def publish(contributor, section) -> Callable[..., Article]:
    """publish("Title", minutes_ago=5, language="en", ...) -> a listed article.
    Older articles get older published_at, so order is predictable."""

    def _publish(title: str, minutes_ago: int = 0, **extra) -> Article:
        extra.setdefault("status", Article.Status.PUBLISHED)
        extra.setdefault("published_at", timezone.now() - timedelta(minutes=minutes_ago))
        author = extra.pop("author", contributor)
        return make_article(author, extra.pop("section", section), title=title, **extra)

    return _publish
