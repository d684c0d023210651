"""Fixtures for comments: an English article (so assertions read the source
strings whatever the catalogs say), settled accounts old enough to comment
without review, and helpers that post through the real pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from altavoz.debate.models import Comment
from altavoz.newsroom.models import Article
from altavoz.people.models import User
from tests.conftest import make_article, make_user

SETTLED = timedelta(days=30)


def settled_user(username: str, role: str = User.Role.CONTRIBUTOR, **extra) -> User:
    """An account older than ALTAVOZ_COMMENT_NEW_ACCOUNT_DAYS."""
    return make_user(username, role, date_joined=timezone.now() - SETTLED, **extra)


def signed_in(user: User, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.force_login(user)
    return client


def comment_url(article: Article) -> str:
    return f"/{article.language}/article/{article.slug}/comment/"


def post(client: Client, article: Article, body: str, parent: Comment | None = None):
    url = f"/{article.language}/comment/{parent.pk}/reply/" if parent else comment_url(article)
    return client.post(url, {"body": body})


def latest() -> Comment:
    return Comment.objects.order_by("-id").first()


@pytest.fixture
def article(contributor, section) -> Article:
    return make_article(contributor, section, title="Peasant assembly", language="en",
                        status=Article.Status.PUBLISHED)


@pytest.fixture
def reader(db) -> User:
    return settled_user("lucia")


@pytest.fixture
def reader_client(reader) -> Client:
    return signed_in(reader)


@pytest.fixture
def other_reader(db) -> User:
    return settled_user("mateo")


@pytest.fixture
def other_client(other_reader) -> Client:
    return signed_in(other_reader)
