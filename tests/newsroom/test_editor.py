"""The editors' pages: queue, bulk actions, per-article moderation, revisions, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from altavoz.newsroom import workflow
from altavoz.newsroom.models import Article, ModerationEntry
from tests.conftest import make_article, make_user, totp_device

Status = Article.Status
EDITOR_PAGES = ["/es/editor/", "/es/editor/audit/", "/es/editor/article/{pk}/",
                "/es/editor/article/{pk}/revisions/"]


@pytest.fixture
def otp_session_client(editor) -> Client:
    """An editor verified by setting the session as django_otp.login() would,
    independent of the login pages."""
    client = Client()
    device = totp_device(editor)
    client.force_login(editor)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture(params=["login", "session"])
def editor_ui(request) -> Client:
    """Both ways to a verified editor: the real login + TOTP pages, and the session."""
    name = "editor_client" if request.param == "login" else "otp_session_client"
    return request.getfixturevalue(name)


def pending(author, section, title, minutes_ago, **extra) -> Article:
    article = make_article(author, section, title=title, status=Status.PENDING, **extra)
    article.submitted_at = timezone.now() - timedelta(minutes=minutes_ago)
    article.save()
    return article


def texts(response) -> str:
    return response.content.decode()


def message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- who may enter ------------------------------------------------------------------

@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_anonymous_is_sent_to_login(url, contributor, section):
    article = make_article(contributor, section)
    response = Client().get(url.format(pk=article.pk))
    assert response.status_code == 302 and "/account/login/" in response.url


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_contributor_is_refused(url, contributor_client, contributor, section):
    article = make_article(contributor, section)
    response = contributor_client.get(url.format(pk=article.pk))
    assert response.status_code == 403
    assert "Solo los editores" in texts(response)


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_unverified_editor_is_sent_to_two_factor(url, editor, contributor, section):
    article = make_article(contributor, section)
    client = Client()
    client.force_login(editor)
    target = url.format(pk=article.pk)
    response = client.get(target)
    assert response.status_code == 302
    assert response.url.startswith("/es/account/two-factor/?next=")
    assert target.replace("/", "%2F") in response.url


def test_unverified_editor_cannot_act(editor, contributor, section):
    article = pending(contributor, section, "Espera", 5)
    client = Client()
    client.force_login(editor)
    response = client.post(f"/es/editor/article/{article.pk}/", {"action": "approve"})
    assert response.status_code == 302 and "two-factor" in response.url
    response = client.post("/es/editor/bulk/", {"ids": [article.pk], "action": "approve"})
    assert response.status_code == 302 and "two-factor" in response.url
    article.refresh_from_db()
    assert article.status == Status.PENDING
    assert not ModerationEntry.objects.exists()


def test_contributor_cannot_bulk(contributor_client, contributor, section):
    article = pending(contributor, section, "Mía", 5)
    response = contributor_client.post("/es/editor/bulk/", {"ids": [article.pk],
                                                             "action": "approve"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Status.PENDING


# --- queue --------------------------------------------------------------------------

def test_queue_is_oldest_first_with_history(editor_ui, contributor, trusted, section):
    make_article(contributor, section, title="Publicada antes", status=Status.PUBLISHED)
    make_article(contributor, section, title="Rechazada antes", status=Status.REJECTED)
    pending(contributor, section, "Segunda en llegar", 30)
    pending(None, section, "Primera en llegar", 60)
    pending(contributor, section, "Tercera en llegar", 5)
    response = editor_ui.get("/es/editor/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = texts(response)
    order = [html.index(t) for t in ("Primera en llegar", "Segunda en llegar",
                                     "Tercera en llegar")]
    assert order == sorted(order)
    assert "1 published, 0 hidden, 1 rejected" in texts(editor_ui.get("/en/editor/"))
    assert "anonymous" in texts(editor_ui.get("/en/editor/"))
    rows = response.context["rows"]
    assert [r["history"] for r in rows][0] is None  # anonymous: no history
    assert rows[1]["history"] == {"published": 1, "hidden": 0, "rejected": 1}
    assert 'action="/es/editor/bulk/"' in html and "csrfmiddlewaretoken" in html


def test_queue_lists_scheduled_and_recent(editor_ui, trusted, section):
    make_article(trusted, section, title="Programada", status=Status.PUBLISHED,
                 published_at=timezone.now() + timedelta(days=1))
    make_article(trusted, section, title="Reciente", status=Status.PUBLISHED)
    response = editor_ui.get("/es/editor/")
    assert [a.title for a in response.context["scheduled"]] == ["Programada"]
    assert [a.title for a in response.context["recent"]] == ["Reciente"]


# --- bulk ---------------------------------------------------------------------------

def test_bulk_approve_several_and_report_failures(editor_ui, editor, contributor, trusted,
                                                  section):
    a = pending(contributor, section, "Uno", 3)
    b = pending(contributor, section, "Dos", 2)
    live = make_article(trusted, section, title="Ya publicada", status=Status.PUBLISHED)
    response = editor_ui.post("/en/editor/bulk/", {
        "ids": [a.pk, b.pk, live.pk, 987654], "action": "reject", "reason": "spam"},
        follow=True)
    messages = message_texts(response)
    assert any("Ya publicada" in m and "waiting for review" in m for m in messages)
    assert any("987654" in m for m in messages)
    assert any("2 articles updated" in m for m in messages)
    assert response.redirect_chain[-1][0] == "/en/editor/"
    assert set(Article.objects.filter(status=Status.REJECTED)) == {a, b}
    live.refresh_from_db()
    assert live.status == Status.PUBLISHED


def test_bulk_approve(editor_ui, editor, contributor, section):
    articles = [pending(contributor, section, f"Nota {i}", i) for i in range(3)]
    editor_ui.post("/es/editor/bulk/", {"ids": [a.pk for a in articles], "action": "approve"})
    assert Article.objects.listed().count() == 3
    entries = ModerationEntry.objects.filter(action="approve")
    assert entries.count() == 3 and {e.actor for e in entries} == {editor}


@pytest.mark.parametrize("data", [
    {"ids": ["abc"], "action": "approve"},
    {"ids": [], "action": "approve"},
    {"ids": ["1"], "action": "delete-everything"},
    {"action": "approve"},
])
def test_bulk_bad_input_is_a_message(editor_ui, data):
    response = editor_ui.post("/en/editor/bulk/", data, follow=True)
    assert response.status_code == 200
    assert message_texts(response)


def test_bulk_is_post_only(editor_ui):
    assert editor_ui.get("/es/editor/bulk/").status_code == 405


# --- one article --------------------------------------------------------------------

def test_article_page_shows_rendered_text(editor_ui, contributor, section):
    article = pending(contributor, section, "Con <script>alert(1)</script>", 1,
                      body="Texto **fuerte**")
    html = texts(editor_ui.get(f"/es/editor/article/{article.pk}/"))
    assert "<strong>fuerte</strong>" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_approve_makes_public_and_logs(editor_ui, editor, contributor, section):
    article = pending(contributor, section, "Aprobar", 1)
    assert Client().get(article.get_absolute_url()).status_code == 404
    response = editor_ui.post(f"/es/editor/article/{article.pk}/", {"action": "approve"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert Client().get(article.get_absolute_url()).status_code == 200
    entry = ModerationEntry.objects.get(article=article)
    assert (entry.action, entry.actor, entry.actor_role) == ("approve", editor, "editor")


def test_hide_requires_reason_and_logs_it(editor_ui, trusted, section):
    article = make_article(trusted, section, title="Ocultar", status=Status.PUBLISHED)
    url = f"/en/editor/article/{article.pk}/"
    response = editor_ui.post(url, {"action": "hide", "reason": "  "})
    assert response.status_code == 400
    assert "public reason" in texts(response)
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    editor_ui.post(url, {"action": "hide", "reason": "Publica datos personales"})
    article.refresh_from_db()
    assert (article.status, article.hidden_reason) == (Status.HIDDEN, "Publica datos personales")
    assert ModerationEntry.objects.get(article=article, action="hide").reason == (
        "Publica datos personales")
    editor_ui.post(url, {"action": "unhide"})
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and not article.hidden_reason


def test_feature_and_unfeature(editor_ui, trusted, section):
    article = make_article(trusted, section, status=Status.PUBLISHED)
    url = f"/es/editor/article/{article.pk}/"
    editor_ui.post(url, {"action": "feature"})
    article.refresh_from_db()
    assert article.featured
    editor_ui.post(url, {"action": "unfeature"})
    article.refresh_from_db()
    assert not article.featured


def test_wrong_action_for_status_is_a_message(editor_ui, trusted, section):
    article = make_article(trusted, section, status=Status.PUBLISHED)
    response = editor_ui.post(f"/en/editor/article/{article.pk}/", {"action": "reject"})
    assert response.status_code == 400
    assert "waiting for review" in texts(response)


@pytest.mark.parametrize("data", [
    {"action": "explode"},
    {},
    {"action": "approve", "publish_at": "not a date"},
    {"action": "approve", "publish_at": "2001-01-01T10:00"},
    {"action": "approve", "publish_at": "2026-13-45T99:99"},
    {"action": "hide", "reason": "r" * 1001},
])
def test_bad_moderation_input_is_400(editor_ui, contributor, section, data):
    article = pending(contributor, section, "Pendiente", 1)
    response = editor_ui.post(f"/en/editor/article/{article.pk}/", data)
    assert response.status_code == 400
    article.refresh_from_db()
    assert article.status == Status.PENDING


def test_unknown_article_is_404(editor_ui):
    assert editor_ui.get("/es/editor/article/999999/").status_code == 404
    assert editor_ui.get("/es/editor/article/999999/revisions/").status_code == 404


def test_scheduled_approval(editor_ui, contributor, section):
    article = pending(contributor, section, "Para mañana", 1)
    when = timezone.localtime() + timedelta(hours=2)
    response = editor_ui.post(f"/es/editor/article/{article.pk}/", {
        "action": "approve", "publish_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled
    assert ModerationEntry.objects.get(article=article).action == "schedule"
    assert not Article.objects.listed().filter(pk=article.pk).exists()
    assert Client().get(article.get_absolute_url()).status_code == 404
    assert "Para mañana" in texts(editor_ui.get("/es/editor/"))
    # Time passes.
    article.published_at = timezone.now() - timedelta(minutes=1)
    article.save()
    assert Article.objects.listed().filter(pk=article.pk).exists()
    assert Client().get(article.get_absolute_url()).status_code == 200


# --- revisions ----------------------------------------------------------------------

def test_revisions_diff_shows_changes_escaped(editor_ui, contributor_client, contributor,
                                              section):
    data = {"title": "Primer título", "lede": "Resumen.", "body": "línea uno\nlínea dos",
            "language": "es", "section": section.pk, "action": "draft"}
    contributor_client.post("/es/write/", data)
    article = Article.objects.get()
    contributor_client.post(f"/es/write/{article.pk}/", data | {
        "title": "Título <script>alert('x')</script>", "body": "línea uno\nlínea nueva"})
    assert article.revisions.count() == 2
    response = editor_ui.get(f"/es/editor/article/{article.pk}/revisions/")
    html = texts(response)
    assert "<script>alert" not in html
    assert "Título &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "− línea dos</del>" in html and "+ línea nueva</ins>" in html
    assert "− Primer título</del>" in html
    assert contributor.username in html


def test_compare_any_two_revisions(editor_ui, contributor, section):
    article = make_article(contributor, section, title="v1")
    for title in ("v1", "v2", "v3"):
        article.title = title
        workflow.record_revision(article, contributor)
    response = editor_ui.get(f"/es/editor/article/{article.pk}/revisions/?a=1&b=3")
    assert response.status_code == 200
    html = texts(response)
    assert "− v1</del>" in html and "+ v3</ins>" in html and "v2" not in html.split("<h2>")[-1]
    assert editor_ui.get(f"/es/editor/article/{article.pk}/revisions/?a=1&b=9").status_code == 404
    assert editor_ui.get(f"/es/editor/article/{article.pk}/revisions/?a=x&b=1").status_code == 400


# --- audit log ----------------------------------------------------------------------

def test_audit_log_names_the_editor(editor_ui, editor, contributor, section):
    other = make_user("diana", "admin")
    other.is_verified = lambda: True
    article = pending(contributor, section, "Auditada", 1)
    workflow.reject(article, other, "publicidad")
    html = texts(editor_ui.get("/es/editor/audit/"))
    assert "diana" in html and "publicidad" in html and "Auditada" in html


def test_audit_log_paginates(editor_ui, editor, trusted, section):
    editor.is_verified = lambda: True
    article = make_article(trusted, section, status=Status.PUBLISHED)
    for _ in range(60):
        workflow.unfeature(article, editor)
    response = editor_ui.get("/es/editor/audit/?page=2")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 10
    assert editor_ui.get("/es/editor/audit/?page=abc").status_code == 200


def test_publish_at_far_in_the_future_is_a_form_error(editor_client, contributor, section):
    from altavoz.newsroom.models import Article
    from tests.conftest import make_article

    article = make_article(contributor, section, status=Article.Status.PENDING)
    response = editor_client.post(
        f"/es/editor/article/{article.pk}/",
        {"action": "approve", "publish_at": "9999-12-31T23:59"},
    )
    assert response.status_code == 400
    article.refresh_from_db()
    assert article.status == Article.Status.PENDING
