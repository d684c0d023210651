"""The editors' comment queue, their three decisions, and the logs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from altavoz.debate import services
from altavoz.debate.models import Comment, CommentModeration, CommentReport
from tests.debate.conftest import latest, post, settled_user, signed_in

Status = Comment.Status
QUEUE = "/en/editor/comments/"


def act(client: Client, comment: Comment, action: str, reason: str = "", next_: str = ""):
    return client.post(f"/en/editor/comment/{comment.pk}/",
                       {"action": action, "reason": reason, "next": next_})


def article_html(article) -> str:
    return Client().get(article.get_absolute_url()).content.decode()


@pytest.fixture
def published(reader_client, article) -> Comment:
    post(reader_client, article, "Texto publicado del comentario")
    return latest()


@pytest.fixture
def pending(contributor, article) -> Comment:
    post(signed_in(contributor), article, "Texto que espera revisión")
    comment = latest()
    assert comment.status == Status.PENDING
    return comment


def flag(comment: Comment) -> None:
    for n in range(3):
        services.report_comment(comment, settled_user(f"denuncia{comment.pk}x{n}"), "abuse",
                                note=f"nota {n}")
    comment.refresh_from_db()
    assert comment.status == Status.FLAGGED


def test_queue_lists_reported_and_pending_oldest_first(editor_client, article, reader,
                                                       contributor):
    now = timezone.now()

    def make(status: str, hours_ago: int, reported_hours_ago: int | None = None) -> Comment:
        comment = Comment.objects.create(
            article=article, author=reader if status == "published" else contributor,
            body=f"c{hours_ago}", status=status, created_at=now - timedelta(hours=hours_ago),
            review_reasons=["new_account"] if status == "pending" else [],
        )
        if reported_hours_ago is not None:
            CommentReport.objects.create(
                comment=comment, reporter=settled_user(f"r{hours_ago}"), reason="spam",
                created_at=now - timedelta(hours=reported_hours_ago),
            )
        return comment

    r1 = make("published", 5, reported_hours_ago=2)
    p1 = make("pending", 3)
    p2 = make("pending", 1)
    r2 = make("published", 6, reported_hours_ago=4)
    quiet = make("published", 7)
    html = editor_client.get(QUEUE).content.decode()
    positions = [html.index(f'id="c{c.pk}"') for c in (r2, p1, r1, p2)]
    assert positions == sorted(positions)
    assert f'id="c{quiet.pk}"' not in html
    assert "4 comments reported or waiting" in html
    assert "spam or advertising (1)" in html
    assert "new account" in html  # why p1 waits
    assert "comments: 3 published, 0 waiting" in html  # reader's history


def test_queue_shows_counts_notes_and_author_history(editor_client, published):
    flag(published)
    html = editor_client.get(QUEUE).content.decode()
    assert "abuse or harassment (3)" in html and "nota 2" in html
    assert "Texto publicado del comentario" in html
    assert "lucia" in html and "account since" in html


def test_approve_publishes_a_pending_comment(editor_client, pending, article):
    response = act(editor_client, pending, "approve", next_="queue")
    assert response.status_code == 302 and response["Location"] == QUEUE
    pending.refresh_from_db()
    assert pending.status == Status.PUBLISHED
    assert "Texto que espera revisión" in article_html(article)
    entry = CommentModeration.objects.get(action="approve")
    assert entry.actor_role == "editor" and entry.actor.username == "carmen"


def test_restore_clears_reports_and_empties_the_queue(editor_client, published, article):
    flag(published)
    act(editor_client, published, "approve", "Crítica dura pero legítima")
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED
    assert not CommentReport.objects.filter(comment=published, resolved_at__isnull=True).exists()
    assert CommentModeration.objects.filter(action="restore").exists()
    assert "0 comments reported or waiting" in editor_client.get(QUEUE).content.decode()
    assert "Texto publicado del comentario" in article_html(article)
    # Reports after a restore start from zero; earlier reporters cannot report again.
    services.report_comment(published, settled_user("nuevo1"), "spam")
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_keep_dismisses_reports_on_a_published_comment(editor_client, published):
    services.report_comment(published, settled_user("una"), "off_topic")
    act(editor_client, published, "approve")
    assert not CommentReport.objects.filter(resolved_at__isnull=True).exists()
    # Approving what is already published with nothing open is a no-op, said clearly.
    response = act(editor_client, published, "approve")
    assert response.status_code == 400 and b"already published" in response.content


def test_hide_shows_the_reason_in_place(editor_client, published, article):
    response = act(editor_client, published, "hide", "Expone datos personales de un vecino")
    assert response.status_code == 302
    html = article_html(article)
    assert f'id="comment-{published.pk}"' in html
    assert "Hidden by the editors: Expone datos personales de un vecino" in html
    assert "Texto publicado del comentario" not in html
    log = Client().get("/en/moderation/comments/").content.decode()
    assert "Expone datos personales de un vecino" in log and "Editor" in log
    assert f'href="/en/article/peasant-assembly/#comment-{published.pk}"' in log


def test_hiding_needs_a_reason(editor_client, published):
    response = act(editor_client, published, "hide", "  ")
    assert response.status_code == 400 and b"public reason" in response.content
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED
    assert not CommentModeration.objects.exists()


def test_rejected_comments_are_never_public(editor_client, published, pending, article,
                                            client):
    act(editor_client, pending, "reject", "spam de casino")
    act(editor_client, published, "reject")
    html = article_html(article)
    assert "Texto que espera revisión" not in html and "Texto publicado del comentario" not in html
    assert f'id="comment-{published.pk}"' not in html and "0 comments" in html
    feed = client.get("/en/article/peasant-assembly/comments/feed/").content.decode()
    assert "Texto publicado" not in feed
    log = client.get("/en/moderation/comments/").content.decode()
    assert "spam de casino" not in log and "No decision about comments yet." in log
    audit = editor_client.get(f"/en/editor/comment/{pending.pk}/").content.decode()
    assert "spam de casino" in audit and "carmen" in audit


def test_a_rejected_comment_with_replies_leaves_a_notice(editor_client, published,
                                                         other_client, article):
    post(other_client, article, "Una respuesta", published)
    answer = latest()
    act(editor_client, published, "reject")
    html = article_html(article)
    assert "Removed by the editors as spam." in html
    assert "Texto publicado del comentario" not in html
    assert f'id="comment-{answer.pk}"' in html and "Una respuesta" in html


def test_unverified_editors_and_others_are_turned_away(editor, reader_client, client,
                                                       published):
    unverified = signed_in(editor)  # password only, no TOTP code this session
    response = unverified.get(QUEUE)
    assert response.status_code == 302 and "/account/two-factor/" in response["Location"]
    response = act(unverified, published, "hide", "motivo")
    assert response.status_code == 302 and "/account/two-factor/" in response["Location"]
    assert reader_client.get(QUEUE).status_code == 403
    assert act(reader_client, published, "reject").status_code == 403
    assert client.get(QUEUE).status_code == 302
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED
    with pytest.raises(PermissionDenied):
        services.moderate_comment(published, editor, "hide", "motivo")
    assert not CommentModeration.objects.exists()


def test_bad_moderation_input(editor_client, published):
    assert act(editor_client, published, "delete").status_code == 400
    assert act(editor_client, published, "hide", "x" * 1001).status_code == 400
    assert editor_client.get("/en/editor/comment/999999/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.moderate_comment(published, None, "hide", "motivo")


def test_services_refuse_unknown_actions(editor, published):
    editor.is_verified = lambda: True  # what django_otp's middleware sets after TOTP
    with pytest.raises(ValidationError):
        services.moderate_comment(published, editor, "delete")
    entry = services.moderate_comment(published, editor, "hide", "motivo")
    assert entry.action == "hide" and entry.actor_role == "editor"


def test_public_comment_log_is_the_same_for_everyone(editor_client, published, reader_client,
                                                     client):
    flag(published)
    act(editor_client, published, "hide", "Acoso")
    anonymous = client.get("/en/moderation/comments/")
    assert anonymous.status_code == 200
    assert "Set-Cookie" not in anonymous.headers and b"csrfmiddlewaretoken" not in anonymous.content
    assert reader_client.get("/en/moderation/comments/").content == anonymous.content
    html = anonymous.content.decode()
    assert "Readers" in html and "carmen" not in html
    assert html.index("Acoso") < html.index("idden pending review after readers")
    assert services.public_comment_log().count() == 2
    assert client.get("/en/moderation/comments/page/9/").status_code == 404
    assert client.get("/en/moderation/comments/?page=9").content == anonymous.content


def test_editors_set_an_articles_comment_policy_publicly(editor_client, article, reader_client,
                                                         client):
    url = f"/en/editor/comments/article/{article.pk}/"
    page = editor_client.get(url)
    assert page.status_code == 200 and b'value="open" id="policy-open" checked' in page.content
    response = editor_client.post(url, {"policy": "closed", "reason": "Debate cerrado"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.comments == "closed"
    assert post(reader_client, article, "Tarde").status_code == 403
    log = client.get("/en/moderation/comments/").content.decode()
    assert "Comments closed" in log and "Debate cerrado" in log
    assert 'href="/en/article/peasant-assembly/"' in log
    assert editor_client.post(url, {"policy": "closed"}).status_code == 400  # no change
    assert editor_client.post(url, {"policy": "bogus"}).status_code == 400
    assert reader_client.post(url, {"policy": "open"}).status_code == 403
    article.refresh_from_db()
    assert article.comments == "closed"


def test_editors_put_a_person_under_review_privately(editor_client, published, reader,
                                                     reader_client, article, client):
    url = f"/en/editor/comments/person/{reader.pk}/"
    response = editor_client.post(url, {"review": "1", "reason": "Insultos", "comment":
                                        published.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/en/editor/comment/{published.pk}/"
    reader.refresh_from_db()
    assert reader.comments_premoderated
    post(reader_client, article, "Ahora espero")
    assert latest().status == Status.PENDING and latest().review_reasons == ["person"]
    page = editor_client.get(f"/en/editor/comment/{published.pk}/").content.decode()
    assert "Insultos" in page and "Stop reviewing their comments first" in page
    assert "Insultos" not in client.get("/en/moderation/comments/").content.decode()
    editor_client.post(url, {"review": "0"})
    reader.refresh_from_db()
    assert not reader.comments_premoderated
    assert CommentModeration.objects.filter(person=reader).count() == 2
    assert reader_client.post(url, {"review": "0"}).status_code == 403
    assert editor_client.get(url).status_code == 405


def test_the_queue_costs_the_same_queries_however_long(editor_client, article, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(QUEUE).status_code == 200
        return len(captured)

    def one_more(n: int) -> None:
        author = settled_user(f"autor{n}")
        comment = services.post_comment(article, author, f"Comentario {n}")
        for k in range(2):
            services.report_comment(comment, settled_user(f"den{n}x{k}"), "spam", note="nota")
        Comment.objects.create(article=article, author=None, body=f"anónimo {n}",
                               status=Status.PENDING, review_reasons=["anonymous"])

    one_more(0)
    few = queries()
    for n in range(1, 8):
        one_more(n)
    assert queries() == few
