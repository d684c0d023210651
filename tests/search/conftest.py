"""Fixtures for search: a factory for articles in any state, a second section,
and the backend for whichever database this test pass runs on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from altavoz.newsroom.models import Article, Section
from altavoz.search.backends import SearchBackend, get_backend
from tests.conftest import make_article


@pytest.fixture
def backend(db) -> SearchBackend:
    return get_backend()


@pytest.fixture
def opinion(db) -> Section:
    return Section.objects.create(
        slug="opinion", names={"es": "Opinión", "en": "Opinion"}, position=2
    )


@pytest.fixture
def publish(contributor, section) -> Callable[..., Article]:
    """publish("Title", days_ago=3, language="en", body=…, status=…) -> an article,
    saved through Article.save() so the index hears of it like in production."""

    def _publish(title: str, days_ago: float = 0, **extra) -> Article:
        extra.setdefault("status", Article.Status.PUBLISHED)
        extra.setdefault("published_at", timezone.now() - timedelta(days=days_ago, seconds=1))
        extra.setdefault("lede", "Resumen.")
        extra.setdefault("body", "Texto.")
        author = extra.pop("author", contributor)
        return make_article(author, extra.pop("section", section), title=title, **extra)

    return _publish


def ids(results) -> list[int]:
    return [hit.article_id for hit in results.hits]
