"""Posting and replying through the real pages: who may, where it lands, what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from altavoz.debate.models import Comment
from altavoz.debate.thread import public_thread
from altavoz.newsroom.models import Article
from altavoz.people.models import User
from tests.conftest import make_article, make_user
from tests.debate.conftest import comment_url, latest, post, settled_user, signed_in

Status = Comment.Status


def page(client: Client, article: Article) -> str:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_comment_is_published_and_the_author_lands_on_it(reader_client, article, client):
    form = reader_client.get(comment_url(article))
    assert form.status_code == 200
    assert b"csrfmiddlewaretoken" in form.content and b'name="robots" content="noindex"' in (
        form.content
    )
    assert "no-cache" in form["Cache-Control"] or "max-age=0" in form["Cache-Control"]
    response = post(reader_client, article, "Estoy de *acuerdo* con la asamblea.")
    comment = latest()
    assert comment.status == Status.PUBLISHED and comment.depth == 1
    assert response.status_code == 302
    assert response["Location"] == f"/en/article/peasant-assembly/#comment-{comment.pk}"
    html = page(client, article)
    assert f'id="comment-{comment.pk}"' in html
    assert "Estoy de <em>acuerdo</em> con la asamblea." in html
    assert "1 comment" in html
    assert f'href="/en/comment/{comment.pk}/reply/"' in html
    assert f'href="/en/comment/{comment.pk}/report/"' in html
    assert 'href="/en/article/peasant-assembly/comment/"' in html
    assert 'href="/en/contributor/lucia/"' in html


def test_comment_count_counts_published_comments_only(reader_client, other_client, article,
                                                      client, contributor):
    post(reader_client, article, "Primero")
    post(other_client, article, "Segundo")
    post(signed_in(contributor), article, "De una cuenta nueva: espera revisión")
    html = page(client, article)
    assert "2 comments" in html
    assert "De una cuenta nueva" not in html


def test_replies_nest_three_deep_then_stay_flat_naming_what_they_answer(
        reader_client, other_client, article, client):
    post(reader_client, article, "Nivel uno")
    one = latest()
    post(other_client, article, "Nivel dos", one)
    two = latest()
    post(reader_client, article, "Nivel tres", two)
    three = latest()
    response = post(other_client, article, "Respuesta al nivel tres", three)
    four = latest()
    assert response.status_code == 302
    assert (one.depth, two.depth, three.depth, four.depth) == (1, 2, 3, 3)
    # Deeper replies sit beside the comment they answer, under its parent.
    assert four.parent_id == two.pk and four.reply_to_id == three.pk
    post(reader_client, article, "Y otra más", four)
    five = latest()
    assert five.depth == 3 and five.parent_id == two.pk and five.reply_to_id == four.pk
    thread = public_thread(article)
    (root,) = thread.roots
    (child,) = root.children
    assert [n.comment.pk for n in child.children] == [three.pk, four.pk, five.pk]
    assert child.children[1].answers.pk == three.pk
    html = page(client, article)
    assert html.count("<ol") == 3  # thread, level two, level three
    assert f'<a href="#comment-{three.pk}">in reply to lucia</a>' in html


def test_only_signed_in_people_comment_by_default(client, article):
    response = client.get(comment_url(article))
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    response = post(client, article, "Sin cuenta")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_anonymous_comments_when_allowed_always_wait_for_review(client, article, settings):
    settings.ALTAVOZ_ANONYMOUS_COMMENTS = True
    form = client.get(comment_url(article))
    assert form.status_code == 200 and b"You are not signed in" in form.content
    response = post(client, article, "Sin cuenta, con respeto")
    comment = latest()
    assert comment.status == Status.PENDING and comment.author is None
    assert comment.review_reasons == ["anonymous"]
    assert response.status_code == 302 and response["Location"] == comment_url(article)
    after = client.get(response["Location"])
    assert b"waiting for an editor&#x27;s review" in after.content
    assert "Sin cuenta" not in page(Client(), article)


def test_article_moderation_holds_comments(reader_client, article, client):
    article.comments = Article.Comments.MODERATED
    article.save()
    assert b"appear after an editor" in reader_client.get(comment_url(article)).content
    response = post(reader_client, article, "Para revisar")
    assert response.status_code == 302 and response["Location"] == comment_url(article)
    assert latest().status == Status.PENDING and latest().review_reasons == ["article"]
    assert "Para revisar" not in page(client, article)


def test_person_moderation_holds_comments(reader, reader_client, article):
    reader.comments_premoderated = True
    reader.save()
    post(reader_client, article, "Revisen esto")
    assert latest().status == Status.PENDING and latest().review_reasons == ["person"]


def test_new_accounts_wait_for_review_until_they_settle(contributor, article, settings):
    client = signed_in(contributor)  # created just now
    post(client, article, "Recién llegada")
    assert latest().status == Status.PENDING and "new_account" in latest().review_reasons
    days = settings.ALTAVOZ_COMMENT_NEW_ACCOUNT_DAYS
    User.objects.filter(pk=contributor.pk).update(
        date_joined=timezone.now() - timedelta(days=days, minutes=1)
    )
    post(client, article, "Ya con días")
    assert latest().status == Status.PUBLISHED


def test_trusted_and_editors_skip_the_new_account_wait(trusted, editor, article):
    post(signed_in(trusted), article, "Confiable")
    assert latest().status == Status.PUBLISHED
    post(signed_in(editor), article, "Editora")
    assert latest().status == Status.PUBLISHED


def test_closed_articles_refuse_comments_clearly(reader_client, article, client):
    post(reader_client, article, "Antes del cierre")
    before = latest()
    article.comments = Article.Comments.CLOSED
    article.save()
    for response in (reader_client.get(comment_url(article)),
                     post(reader_client, article, "Después"),
                     post(reader_client, article, "Respuesta", before)):
        assert response.status_code == 403
        assert b"Comments are closed on this article." in response.content
    assert Comment.objects.count() == 1
    html = page(client, article)
    assert "Comments are closed." in html and "Antes del cierre" in html
    assert "/comment/\"" not in html and "/reply/" not in html


def test_unpublished_and_hidden_articles_take_no_comments(reader_client, contributor, section):
    draft = make_article(contributor, section, title="Draft", language="en")
    assert reader_client.get(comment_url(draft)).status_code == 404
    hidden = make_article(contributor, section, title="Hidden one", language="en",
                          status=Article.Status.HIDDEN, hidden_reason="r")
    response = post(reader_client, hidden, "Hola")
    assert response.status_code == 403 and b"Only published articles" in response.content


@pytest.mark.parametrize("body, message", [
    ("", b"This field is required."),
    ("   \n  ", b"This field is required."),
    ("x" * 5001, b"at most 5000 characters"),
    ("nul \x00 char", b"Null characters are not allowed."),
])
def test_bad_bodies_get_form_errors(reader_client, article, body, message):
    response = post(reader_client, article, body)
    assert response.status_code == 400 and message in response.content
    assert not Comment.objects.exists()


def test_max_length_is_a_setting(reader_client, article, settings):
    settings.ALTAVOZ_MAX_COMMENT_CHARS = 100
    assert post(reader_client, article, "y" * 101).status_code == 400
    assert post(reader_client, article, "y" * 100).status_code == 302


@pytest.mark.parametrize("url", [
    "/en/comment/999999/reply/", "/en/comment/999999/report/", "/en/comment/abc/reply/",
    "/en/article/no-such-article/comment/", "/en/comment/99999999999999999999999/reply/",
    "/es/article/peasant-assembly/comment/",  # the article is in English only
])
def test_unknown_addresses_are_404(reader_client, article, url):
    assert reader_client.get(url).status_code == 404
    assert reader_client.post(url, {"body": "x"}).status_code == 404


def test_other_methods_are_refused(reader_client, article):
    assert reader_client.put(comment_url(article)).status_code == 405


def test_no_reply_to_comments_that_are_not_shown(reader_client, contributor, article):
    post(signed_in(contributor), article, "Pendiente")
    pending = latest()
    assert pending.status == Status.PENDING
    response = post(reader_client, article, "Respuesta", pending)
    assert response.status_code == 404
    assert Comment.objects.count() == 1


def test_rate_limit_answers_429_with_retry_after(reader_client, article, settings):
    settings.ALTAVOZ_COMMENT_BURST = 2
    assert post(reader_client, article, "uno").status_code == 302
    assert post(reader_client, article, "dos").status_code == 302
    response = post(reader_client, article, "tres")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert b"wait" in response.content
    assert Comment.objects.count() == 2
    # Per person: somebody else may still comment.
    other = signed_in(settled_user("otra"))
    assert post(other, article, "cuatro").status_code == 302


def test_daily_limit(reader_client, article, settings):
    settings.ALTAVOZ_COMMENT_DAILY_LIMIT = 3
    for n in range(3):
        assert post(reader_client, article, f"comentario {n}").status_code == 302
    response = post(reader_client, article, "uno de más")
    assert response.status_code == 429 and int(response["Retry-After"]) > 600


def test_form_errors_do_not_count_against_the_limit(reader_client, article, settings):
    settings.ALTAVOZ_COMMENT_BURST = 1
    for _ in range(3):
        assert post(reader_client, article, "").status_code == 400
    assert post(reader_client, article, "Por fin").status_code == 302


def test_many_links_go_to_the_queue(reader_client, article, settings):
    links = " ".join(f"[l{n}](https://spam{n}.example)" for n in range(4))
    post(reader_client, article, f"Compren {links}")
    assert latest().status == Status.PENDING and latest().review_reasons == ["links"]
    post(reader_client, article, "Tres: https://a.example www.b.example [c](http://c.example)")
    assert latest().status == Status.PUBLISHED


def test_repeated_text_goes_to_the_queue_or_is_refused(reader_client, other_client, article,
                                                       contributor, section):
    text = "Visiten mi página, la mejor oferta del mercado popular."
    post(reader_client, article, text)
    assert latest().status == Status.PUBLISHED
    # The same person, same article: a double post, refused.
    response = post(reader_client, article, text)
    assert response.status_code == 400 and b"already posted this comment" in response.content
    # Somebody else, spacing and case changed: queued.
    post(other_client, article, text.upper().replace(" ", "   "))
    assert latest().status == Status.PENDING and latest().review_reasons == ["repeated"]
    # The same person on another article: queued.
    second = make_article(contributor, section, title="Second", language="en",
                          status=Article.Status.PUBLISHED)
    post(reader_client, second, text)
    assert latest().status == Status.PENDING and latest().review_reasons == ["repeated"]


def test_short_common_replies_are_not_repeats(reader_client, other_client, article):
    post(reader_client, article, "¡Gracias!")
    post(other_client, article, "gracias")
    assert latest().status == Status.PUBLISHED


def test_bad_history_goes_to_the_queue(reader, reader_client, article, contributor, section):
    post(reader_client, article, "Algo que resultó spam")
    Comment.objects.filter(pk=latest().pk).update(status=Status.REJECTED)
    post(reader_client, article, "Otro comentario")
    assert latest().status == Status.PENDING and latest().review_reasons == ["history"]
    # Articles count too: two hidden articles.
    other = settled_user("pablo")
    for n in range(2):
        make_article(other, section, title=f"Oculto {n}", language="en",
                     status=Article.Status.HIDDEN, hidden_reason="r")
    post(signed_in(other), article, "Hola a todos")
    assert latest().status == Status.PENDING and latest().review_reasons == ["history"]


def test_inactive_accounts_cannot_comment(article):
    gone = make_user("ido", is_active=False, date_joined=timezone.now() - timedelta(days=9))
    client = Client()
    client.force_login(gone)
    response = post(client, article, "Hola")
    assert response.status_code in {302, 403}
    assert not Comment.objects.exists()
