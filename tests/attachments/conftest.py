"""Fixtures for attachments: a private MEDIA_ROOT per test (so "nothing was
stored" can be checked), articles in each state, and an upload helper.

Pages are requested in English (/en/): the messages checked here are the
English source strings, whatever the Spanish catalogue says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from altavoz.attachments.models import Attachment
from altavoz.newsroom.models import Article
from tests.attachments import corpus
from tests.conftest import make_article


@pytest.fixture(autouse=True)
def _default_language():
    """A request under /en/ leaves English active in this thread; later tests that
    call code directly expect the default language."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root  # FileSystemStorage follows the setting_changed signal
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def draft(contributor, section) -> Article:
    return make_article(contributor, section, title="Asamblea en El Valle", language="en")


@pytest.fixture
def published(contributor, section) -> Article:
    return make_article(contributor, section, title="Published story", language="en",
                        status=Article.Status.PUBLISHED)


def upload(data: bytes, name: str = "foto.jpg",
           content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def page_url(article: Article) -> str:
    return f"/en/write/{article.pk}/attachments/"


@pytest.fixture
def post_file() -> Callable[..., object]:
    """post_file(client, article, data, name, title=…, alt=…) → the response."""

    def _post(client: Client, article: Article, data: bytes, name: str = "foto.jpg",
              content_type: str = "application/octet-stream", extra: dict | None = None,
              **fields):
        fields.setdefault("title", "A caption")
        fields.setdefault("alt", "People sitting in a circle")
        return client.post(page_url(article),
                           {"file": upload(data, name, content_type), **fields}, **(extra or {}))

    return _post


@pytest.fixture
def image_attachment(contributor_client, draft, post_file) -> Attachment:
    response = post_file(contributor_client, draft, corpus.photo((2000, 1500)))
    assert response.status_code == 302, response.content[:2000]
    return Attachment.objects.get(article=draft, kind=Attachment.Kind.IMAGE)


@pytest.fixture
def document_attachment(contributor_client, draft, post_file) -> Attachment:
    response = post_file(contributor_client, draft, corpus.pdf_with_metadata(), "informe.pdf",
                         title="Acta de la asamblea")
    assert response.status_code == 302, response.content[:2000]
    return Attachment.objects.get(article=draft, kind=Attachment.Kind.DOCUMENT)
