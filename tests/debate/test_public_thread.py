"""The thread as readers get it: the same bytes for everyone, few queries,
a valid feed, no executable payloads, no addresses kept."""

from __future__ import annotations

import pickle
import re
from collections import Counter
from xml.etree import ElementTree

import feedparser
import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from altavoz.debate import services
from altavoz.debate.markdown import render_comment
from altavoz.debate.models import Comment
from tests.conftest import make_user
from tests.debate.conftest import latest, post, settled_user, signed_in
from tests.newsroom.test_sanitize import PAYLOADS
from tests.xss import executable_content

Status = Comment.Status
FEED = "/en/article/peasant-assembly/comments/feed/"


def test_markdown_subset():
    html = render_comment(
        "# Title\n\n*em* **strong** [link](https://ok.example) ![img](/media/x.png)\n\n"
        "> quote\n\n- one\n- two\n\n1. uno\n\n`code`\n\n    block\n\n---\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n<b>raw</b> [js](javascript:alert(1))"
    )
    for tag in ("<em>", "<strong>", "<blockquote>", "<ul>", "<ol>", "<code>", "<pre>"):
        assert tag in html
    assert 'href="https://ok.example" rel="nofollow noopener ugc"' in html
    for absent in ("<h1", "<h2", "<img", "<table", "<hr", "<b>", 'href="javascript'):
        assert absent not in html
    assert "# Title" in html and "&lt;b&gt;raw&lt;/b&gt;" in html


def test_article_page_with_comments_is_the_same_bytes_for_everyone(
        reader_client, reader, other_client, editor_client, article, client):
    post(reader_client, article, "Un comentario")
    post(other_client, article, "Una respuesta", latest())
    anonymous = client.get(article.get_absolute_url())
    assert anonymous.status_code == 200
    assert "Set-Cookie" not in anonymous.headers and not anonymous.cookies
    html = anonymous.content.decode()
    assert "csrfmiddlewaretoken" not in html and "<form" in html  # only the search form
    assert html.count("<form") == 1
    for other in (reader_client, other_client, editor_client):
        again = other.get(article.get_absolute_url())
        assert again.content == anonymous.content
        assert "Set-Cookie" not in again.headers


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_thread_costs_the_same_queries_however_long(reader_client, article, client,
                                                        settings):
    settings.ALTAVOZ_COMMENT_BURST = settings.ALTAVOZ_COMMENT_DAILY_LIMIT = 1000
    post(reader_client, article, "Solo uno")
    few = _queries(client, article.get_absolute_url())
    people = [settled_user(f"persona{n}") for n in range(6)]
    parents: list[Comment | None] = [None]
    for n in range(40):
        author = people[n % len(people)]
        parent = parents[n % len(parents)]
        services.post_comment(article, author, f"Comentario número {n}", parent)
        parents.append(latest())
    Comment.objects.filter(pk=parents[3].pk).update(status=Status.HIDDEN, hidden_reason="r")
    Comment.objects.filter(pk=parents[5].pk).update(status=Status.FLAGGED)
    Comment.objects.filter(pk=parents[7].pk).update(status=Status.REJECTED)
    Comment.objects.filter(pk=parents[9].pk).update(status=Status.PENDING)
    assert _queries(client, article.get_absolute_url()) == few


def test_comment_feed_is_valid_and_its_ids_stable(reader_client, other_client, article,
                                                  client, editor):
    page = client.get(article.get_absolute_url()).content.decode()
    assert (f'<link rel="alternate" type="application/atom+xml" title="Comments: Peasant '
            f'assembly" href="{FEED}">') in page
    post(reader_client, article, "Primero **en** llegar")
    first = latest()
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Set-Cookie" not in response.headers
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Comments on “Peasant assembly”"
    (entry,) = feed.entries
    assert entry.id == first.uuid.urn
    assert entry.link == f"http://testserver/en/article/peasant-assembly/#comment-{first.pk}"
    assert entry.title == "Comment by lucia" and entry.author == "lucia"
    assert "<strong>en</strong>" in entry.summary
    post(other_client, article, "Segundo")
    second = latest()
    again = feedparser.parse(client.get(FEED).content)
    assert again.bozo == 0 and again.feed.id == feed.feed.id
    assert [e.id for e in again.entries] == [second.uuid.urn, first.uuid.urn]
    editor.is_verified = lambda: True
    services.moderate_comment(first, editor, "hide", "motivo")
    assert [e.id for e in feedparser.parse(client.get(FEED).content).entries] == [
        second.uuid.urn
    ]
    assert client.get("/en/article/nothing-here/comments/feed/").status_code == 404
    assert client.get("/es/article/peasant-assembly/comments/feed/").status_code == 404


def _elements(c: Client, url: str) -> Counter:
    response = c.get(url)
    assert response.status_code == 200, url
    return Counter(executable_content(response.content.decode()))


def _feed_leaks(client: Client) -> list[str]:
    """The Atom summaries are HTML a feed reader will render: check each one."""
    root = ElementTree.fromstring(client.get(FEED).content)
    summaries = root.iterfind("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    return [problem for s in summaries for problem in executable_content(s.text or "")]


def test_xss_corpus_through_the_posting_pages(article, client, editor_client, settings):
    """Every payload goes in through the real form, as a comment and as a reply, by
    a settled account (published) and a new one (pending, on the editors' queue).
    The pages must hold no executable element beyond those of the same pages
    carrying harmless comments (the search form, the editors' own forms)."""
    settings.ALTAVOZ_COMMENT_BURST = settings.ALTAVOZ_COMMENT_DAILY_LIMIT = 10_000
    settings.ALTAVOZ_COMMENT_MAX_LINKS = 10_000
    settled, fresh = signed_in(settled_user("vieja")), signed_in(make_user("nueva"))
    queue = "/en/editor/comments/"
    no_rows = _elements(editor_client, queue)
    post(settled, article, "Un comentario tranquilo")
    root = latest()
    post(settled, article, "Una respuesta tranquila", root)
    post(fresh, article, "Uno que espera")
    per_row = _elements(editor_client, queue) - no_rows  # one row's own forms and buttons
    assert per_row
    baseline = {
        "article": _elements(client, article.get_absolute_url()),
        "reply": _elements(settled, f"/en/comment/{root.pk}/reply/"),
        "editor": _elements(editor_client, f"/en/editor/comment/{root.pk}/"),
    }
    for n, payload in enumerate(p for p in PAYLOADS if "\x00" not in p):
        body = f"{payload}\n\nn{n}"  # each text distinct, so none is a repeat
        for author in (settled, fresh):
            assert post(author, article, body).status_code == 302, payload
            comment = latest()
            assert post(author, article, body + " reply", root).status_code == 302
        assert executable_content(comment.body_html) == [], payload
        extra = _elements(editor_client, f"/en/editor/comment/{comment.pk}/") - baseline["editor"]
        assert extra == Counter(), payload
    assert Comment.objects.filter(status=Status.PUBLISHED).count() > 250
    assert Comment.objects.filter(status=Status.PENDING).count() > 250
    assert _elements(client, article.get_absolute_url()) - baseline["article"] == Counter()
    assert _feed_leaks(client) == []
    # The reply page shows the comment answered: a payload there must be inert too.
    for comment in Comment.objects.filter(status=Status.PUBLISHED, depth=1):
        extra = _elements(settled, f"/en/comment/{comment.pk}/reply/") - baseline["reply"]
        assert extra == Counter(), comment.body
    for number in range(1, Comment.objects.filter(status=Status.PENDING).count() // 50 + 2):
        html = editor_client.get(f"{queue}?page={number}").content.decode()
        rows = html.count('<section class="review"')
        expected = no_rows + Counter({k: v * rows for k, v in per_row.items()})
        assert Counter(executable_content(html)) - expected == Counter(), number


def test_null_characters_are_refused_not_stored(reader_client, article):
    for payload in (p for p in PAYLOADS if "\x00" in p):
        assert post(reader_client, article, payload).status_code == 400
    assert not Comment.objects.exists()


ADDRESS = "203.0.113.77"


def _everything_stored() -> str:
    rows = [repr(row) for model in apps.get_models() for row in model.objects.all().values()]
    store = getattr(cache, "_cache", {})
    rows += [repr(key) for key in store]
    for value in store.values():
        try:
            rows.append(repr(pickle.loads(value)))
        except Exception:  # noqa: BLE001 - shown raw when unreadable
            rows.append(repr(value))
    return "\n".join(rows)


@pytest.mark.parametrize("anonymous_allowed", [False, True])
def test_no_address_is_stored(article, editor_client, reader, other_reader, settings,
                              anonymous_allowed):
    settings.ALTAVOZ_ANONYMOUS_COMMENTS = anonymous_allowed
    commenter = signed_in(reader, REMOTE_ADDR=ADDRESS)
    assert post(commenter, article, "Desde la red de la comunidad").status_code == 302
    comment = latest()
    assert post(commenter, article, "Respuesta propia", comment).status_code == 302
    reporter = signed_in(other_reader, REMOTE_ADDR=ADDRESS)
    assert reporter.post(f"/en/comment/{comment.pk}/report/",
                         {"reason": "other", "note": "revisar"}).status_code == 302
    anonymous = Client(REMOTE_ADDR=ADDRESS)
    response = post(anonymous, article, "Sin cuenta desde la comunidad")
    assert response.status_code == 302
    editor_client.defaults["REMOTE_ADDR"] = ADDRESS
    editor_client.post(f"/en/editor/comment/{comment.pk}/",
                       {"action": "hide", "reason": "motivo"})
    stored = _everything_stored()
    assert "Desde la red de la comunidad" in stored and "motivo" in stored
    assert "altavoz:debate:rate" in stored  # the limits really wrote to the cache
    if anonymous_allowed:
        assert "Sin cuenta desde la comunidad" in stored
    assert "203.0.113" not in stored
    assert not re.search(r"\b203\.0\.113\b", stored)
