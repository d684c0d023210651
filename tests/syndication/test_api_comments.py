"""Commenting through the API: debate.services.post_comment's rules, in JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from altavoz.debate.models import Comment
from altavoz.newsroom.models import Article
from altavoz.people import tokens
from altavoz.people.models import User
from tests.conftest import make_article, make_user

Status = Article.Status


@pytest.fixture
def commenter(db) -> User:
    """Old enough an account that its comments appear at once (no new-account review)."""
    return make_user("lucia", date_joined=timezone.now() - timedelta(days=30))


@pytest.fixture
def auth(commenter) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue(commenter)[1]}"}


def comment(client, article_id: int, auth: dict, **payload):
    return client.post(f"/api/v1/articles/{article_id}/comments", payload,
                       content_type="application/json", **auth)


def test_a_comment_is_posted(client, publish, commenter, auth):
    article = publish("Asamblea")
    response = comment(client, article.pk, auth, body="Estoy de **acuerdo**.")
    assert response.status_code == 201, response.content
    body = response.json()
    posted = Comment.objects.get(pk=body["id"])
    assert posted.author == commenter and posted.article == article
    assert body["status"] == "published"
    assert body["url"] == f"/es/article/asamblea/#comment-{posted.pk}"
    assert "<strong>acuerdo</strong>" in body["body_html"]
    reply = comment(client, article.pk, auth, body="Yo también.", parent=posted.pk)
    assert reply.status_code == 201 and reply.json()["parent"] == posted.pk


def test_premoderated_people_wait_for_review(client, publish, commenter, auth):
    commenter.comments_premoderated = True
    commenter.save()
    response = comment(client, publish("Asamblea").pk, auth, body="Hola.")
    assert response.status_code == 201
    assert response.json()["status"] == "pending" and response.json()["url"] is None


def test_a_token_is_needed(client, publish):
    response = comment(client, publish("Asamblea").pk, {}, body="Hola.")
    assert response.status_code == 401


@pytest.mark.parametrize("payload, field", [
    ({"body": "   "}, "body"),
    ({"body": "a\x00b"}, "body"),
    ({}, "body"),
    ({"body": "Hola.", "parent": 999999}, "parent"),
    ({"body": "Hola.", "parent": "x"}, "parent"),
])
def test_invalid_comments_are_a_422(client, publish, auth, payload, field):
    response = comment(client, publish("Asamblea").pk, auth, **payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert not Comment.objects.exists()


def test_closed_and_hidden_articles_are_a_409(client, publish, auth):
    closed = publish("Cerrada", comments=Article.Comments.CLOSED)
    hidden = publish("Oculta", status=Status.HIDDEN, hidden_reason="r")
    for article in (closed, hidden):
        response = comment(client, article.pk, auth, body="Hola.")
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "conflict"


def test_unpublished_articles_are_a_404(client, contributor, section, auth):
    draft = make_article(contributor, section, status=Status.PENDING)
    for article_id in (draft.pk, 999999, 10**30):
        response = comment(client, article_id, auth, body="Hola.")
        assert response.status_code == 404, (article_id, response.content)


@override_settings(ALTAVOZ_COMMENT_BURST=2, ALTAVOZ_COMMENT_BURST_WINDOW=600)
def test_too_many_comments_are_a_429_with_retry_after(client, publish, auth):
    article = publish("Asamblea")
    for n in range(2):
        assert comment(client, article.pk, auth, body=f"Comentario {n}.").status_code == 201
    response = comment(client, article.pk, auth, body="Otro más.")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 600
    assert Comment.objects.count() == 2
