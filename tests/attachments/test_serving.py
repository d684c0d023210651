"""Stored files are served with headers that keep them inert, and drafts' files stay private."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altavoz.attachments.models import Attachment
from altavoz.newsroom.models import Article
from tests.conftest import make_user


def _publish(article: Article) -> None:
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    article.save()


def _url(name: str) -> str:
    return f"/media/{name}"


def _assert_inert(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "Set-Cookie" not in response.headers


def test_public_picture_headers(client, image_attachment):
    _publish(image_attachment.article)
    for rendition in image_attachment.renditions:
        for key, content_type in (("webp", "image/webp"), ("fallback", "image/jpeg")):
            response = client.get(_url(rendition[key]))
            assert response.status_code == 200
            assert response["Content-Type"] == content_type
            assert response["Content-Disposition"].startswith("inline")
            assert response["Cache-Control"] == "public, max-age=31536000, immutable"
            assert "Cookie" not in response.get("Vary", "")
            _assert_inert(response)
            assert b"".join(response.streaming_content)[:2] in {b"\xff\xd8", b"RI"}


def test_public_document_is_downloaded_not_opened(client, document_attachment):
    _publish(document_attachment.article)
    response = client.get(_url(document_attachment.file))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="acta-de-la-asamblea.pdf"'
    assert int(response["Content-Length"]) == document_attachment.size
    _assert_inert(response)


def test_unchanged_file_gets_304(client, image_attachment):
    _publish(image_attachment.article)
    url = _url(image_attachment.file)
    etag = client.get(url)["ETag"]
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["Cache-Control"].startswith("public")
    assert response["ETag"] == etag


def test_draft_files_are_private(client, contributor_client, editor_client, image_attachment):
    url = _url(image_attachment.file)
    assert client.get(url).status_code == 404
    stranger = Client()
    stranger.force_login(make_user("intrusa"))
    assert stranger.get(url).status_code == 404
    for allowed in (contributor_client, editor_client):
        response = allowed.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        _assert_inert(response)


def test_scheduled_article_files_wait_for_publication(client, image_attachment):
    article = image_attachment.article
    _publish(article)
    article.published_at = timezone.now() + timezone.timedelta(days=1)
    article.save()
    assert client.get(_url(image_attachment.file)).status_code == 404


def test_hidden_article_files_stay_reachable(client, image_attachment):
    # Hidden articles stay at their address so anyone can judge the decision.
    article = image_attachment.article
    _publish(article)
    article.status = Article.Status.HIDDEN
    article.hidden_reason = "Under review"
    article.save()
    assert client.get(_url(image_attachment.file)).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "attachments/../../keys/secret_key",
        "attachments/00/notakey.jpg",
        "attachments/ab/" + "ab" * 16 + ".exe",
        "attachments/ab/" + "ab" * 16 + "-480.webp",  # well formed, but nobody's
        "attachments/",
    ],
)
def test_unknown_names_are_404(db, client, name):
    assert client.get(_url(name)).status_code == 404


def test_a_name_must_belong_to_its_attachment(client, image_attachment):
    _publish(image_attachment.article)
    key = image_attachment.key
    assert client.get(_url(f"attachments/{key[:2]}/{key}.pdf")).status_code == 404


def test_only_get_and_head(client, image_attachment):
    _publish(image_attachment.article)
    assert client.post(_url(image_attachment.file)).status_code == 405
    assert client.head(_url(image_attachment.file)).status_code == 200


def test_file_missing_on_disk_is_404(client, image_attachment, media):
    _publish(image_attachment.article)
    (media / image_attachment.file).unlink()
    assert client.get(_url(image_attachment.file)).status_code == 404
    assert Attachment.objects.filter(pk=image_attachment.pk).exists()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80))
def test_junk_file_names_never_answer_500(db, name):
    from urllib.parse import quote

    response = Client(raise_request_exception=False).get(
        "/media/attachments/" + quote(name, safe="/")
    )
    assert response.status_code in {404, 400, 301}, name
