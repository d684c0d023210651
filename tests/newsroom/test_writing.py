"""Writing and submitting, as contributors see it."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altavoz.newsroom import workflow
from altavoz.newsroom.models import Article, ModerationEntry, Revision, Tag
from altavoz.people.models import Membership, Organization
from tests.conftest import make_article

Status = Article.Status


def form_data(section, **extra) -> dict:
    return {
        "title": "Asamblea campesina en Barinas",
        "lede": "Los productores debatieron el precio de la semilla.",
        "body": "## Acuerdos\n\nSe acordó **organizar** una feria.",
        "language": "es",
        "section": section.pk,
        "tags": "semillas, Barinas",
        "action": "submit",
        **extra,
    }


def texts(response) -> str:
    return response.content.decode()


def message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- submitting ---------------------------------------------------------------------

def test_form_renders_with_page_language(contributor_client, section):
    response = contributor_client.get("/en/write/")
    assert response.status_code == 200
    assert response.context["form"]["language"].value() == "en"
    html = texts(response)
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'value="draft"' in html and 'value="submit"' in html
    assert '<label for="id_title"' in html
    assert "no-store" in response["Cache-Control"]  # per-person page, CSRF token


def test_contributor_submission_waits_and_is_not_public(contributor_client, editor, section):
    response = contributor_client.post("/es/write/", form_data(section), follow=True)
    assert any("Enviado a revisión" in m for m in message_texts(response))
    article = Article.objects.get()
    assert article.status == Status.PENDING
    assert article.slug == "asamblea-campesina-en-barinas"
    assert sorted(article.tags.values_list("slug", flat=True)) == ["barinas", "semillas"]
    assert Revision.objects.filter(article=article).count() == 1
    assert Client().get(article.get_absolute_url()).status_code == 404
    workflow.approve(article, _verified(editor))
    assert Client().get(article.get_absolute_url()).status_code == 200


def test_trusted_goes_live(trusted, section):
    client = Client()
    client.force_login(trusted)
    response = client.post("/es/write/", form_data(section), follow=True)
    assert any("Publicado" in m for m in message_texts(response))
    article = Article.objects.get()
    assert article.status == Status.PUBLISHED
    assert Client().get(article.get_absolute_url()).status_code == 200


def test_verified_organization_publisher_goes_live(contributor_client, organization, section):
    contributor_client.post("/es/write/", form_data(section, organization=organization.pk))
    article = Article.objects.get()
    assert (article.organization, article.status) == (organization, Status.PUBLISHED)


def test_unverified_organization_publisher_waits(contributor_client, organization, section):
    organization.verified = False
    organization.save()
    contributor_client.post("/es/write/", form_data(section, organization=organization.pk))
    assert Article.objects.get().status == Status.PENDING


def test_cannot_sign_for_an_organization_one_only_belongs_to(contributor_client, section,
                                                             contributor, organization):
    other = Organization.objects.create(slug="otra", name="Otra", kind="union", verified=True)
    Membership.objects.create(organization=other, user=contributor, role=Membership.Role.MEMBER)
    response = contributor_client.post("/es/write/", form_data(section, organization=other.pk))
    assert response.status_code == 400
    assert "organization" in response.context["form"].errors
    assert not Article.objects.exists()


def test_save_draft_then_submit(contributor_client, section):
    response = contributor_client.post("/es/write/", form_data(section, action="draft"))
    article = Article.objects.get()
    assert response.status_code == 302 and response.url == f"/es/write/{article.pk}/"
    assert article.status == Status.DRAFT and article.submitted_at is None
    contributor_client.post(f"/es/write/{article.pk}/", form_data(section, action="submit"))
    article.refresh_from_db()
    assert article.status == Status.PENDING
    assert article.revisions.count() == 2


def test_anonymous_submission_lands_in_queue(section):
    client = Client()
    page = client.get("/es/write/")
    assert page.status_code == 200 and "No has iniciado sesión" in texts(page)
    assert 'value="draft"' not in texts(page)
    response = client.post("/es/write/", form_data(section, action="draft"), follow=True)
    article = Article.objects.get()
    assert (article.status, article.author) == (Status.PENDING, None)
    assert any("espera la revisión de un editor" in m for m in message_texts(response))
    assert client.get(f"/es/write/{article.pk}/").status_code == 302  # to login
    assert f"/write/{article.pk}/" not in texts(response)


@override_settings(ALTAVOZ_ANONYMOUS_SUBMISSIONS=False)
def test_anonymous_submission_refused_when_disabled(section):
    client = Client()
    response = client.get("/es/write/")
    assert response.status_code == 302 and "/account/login/" in response.url
    response = client.post("/es/write/", form_data(section))
    assert response.status_code == 302
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"title": ""}, "This field is required"),
        ({"title": "x" * 201}, "at most 200"),
        ({"section": ""}, "This field is required"),
        ({"section": "abc"}, "valid choice"),
        ({"section": "99999"}, "valid choice"),
        ({"language": "xx"}, "valid choice"),
        ({"lede": "y" * 601}, "at most 600"),
        ({"tags": ", ".join(f"t{i}" for i in range(11))}, "at most 10 tags"),
        ({"tags": "a" * 61}, "at most 60"),
        ({"tags": "¡¡!!"}, "letter or digit"),
        ({"organization": "abc"}, "valid choice"),
        ({"title": "nul\x00byte"}, "Null characters"),
    ],
)
def test_bad_input_is_a_form_error(contributor_client, section, organization, change,
                                   expected):
    # In English: Django's own messages are translated on /es/.
    data = form_data(section, language="en") | change
    response = contributor_client.post("/en/write/", data)
    assert response.status_code == 400
    assert expected in texts(response)
    assert not Article.objects.exists()


@override_settings(ALTAVOZ_MAX_BODY_CHARS=1000)
def test_body_limit_has_a_clear_message(contributor_client, section):
    response = contributor_client.post("/es/write/", form_data(section, body="z" * 1001))
    assert response.status_code == 400
    expected = "El texto es demasiado largo: como máximo 1000 caracteres (tiene 1001)"
    assert expected in texts(response)
    assert "z" * 1001 in texts(response)  # nothing the contributor wrote is lost


def test_slug_fallback_and_uniqueness(contributor_client, section):
    contributor_client.post("/es/write/", form_data(section, title="¡¡¡!!!"))
    contributor_client.post("/es/write/", form_data(section, title="Paro"))
    contributor_client.post("/es/write/", form_data(section, title="Paro"))
    contributor_client.post("/es/write/", form_data(section, title="Paro", language="en"))
    slugs = sorted(Article.objects.values_list("language", "slug"))
    assert slugs == [("en", "paro"), ("es", "article-1"), ("es", "paro"), ("es", "paro-2")]


# --- editing ------------------------------------------------------------------------

def test_edit_keeps_slug_and_records_revisions(contributor_client, section):
    contributor_client.post("/es/write/", form_data(section, action="draft"))
    article = Article.objects.get()
    for title in ("Otro título", "Tercer título"):
        response = contributor_client.post(
            f"/es/write/{article.pk}/", form_data(section, title=title, action="draft"))
        assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Tercer título"
    assert article.slug == "asamblea-campesina-en-barinas"
    assert list(article.revisions.values_list("number", "title")) == [
        (1, "Asamblea campesina en Barinas"), (2, "Otro título"), (3, "Tercer título")]


def test_edit_form_shows_current_values(contributor_client, contributor, section):
    article = make_article(contributor, section, title="Mi nota")
    article.tags.add(Tag.objects.create(slug="agua", name="agua"))
    response = contributor_client.get(f"/es/write/{article.pk}/")
    assert response.status_code == 200
    assert 'value="Mi nota"' in texts(response) and 'value="agua"' in texts(response)


def test_contributor_cannot_edit_others(contributor_client, trusted, section):
    article = make_article(trusted, section, title="Ajeno")
    response = contributor_client.get(f"/es/write/{article.pk}/")
    assert response.status_code == 403
    assert "es de otra persona" in texts(response)
    response = contributor_client.post(f"/es/write/{article.pk}/", form_data(section))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Ajeno"


def test_contributor_cannot_edit_after_approval(contributor_client, contributor, section):
    article = make_article(contributor, section, status=Status.PUBLISHED)
    assert contributor_client.get(f"/es/write/{article.pk}/").status_code == 403


def test_trusted_edit_of_published_stays_published(trusted, section):
    client = Client()
    client.force_login(trusted)
    article = make_article(trusted, section, status=Status.PUBLISHED, title="Vivo")
    response = client.post(f"/es/write/{article.pk}/", form_data(
        section, title="Vivo y corregido", action="save", language="en"))
    assert response.status_code == 302
    article.refresh_from_db()
    # The language is locked once public: its address depends on it.
    assert (article.title, article.status, article.language) == (
        "Vivo y corregido", Status.PUBLISHED, "es")


def test_unknown_article_is_404(contributor_client):
    assert contributor_client.get("/es/write/999999/").status_code == 404


def test_anonymous_edit_goes_to_login(contributor, section):
    article = make_article(contributor, section)
    response = Client().get(f"/es/write/{article.pk}/")
    assert response.status_code == 302 and "/account/login/" in response.url


def test_editor_correction_is_logged(editor_client, editor, contributor, section):
    article = make_article(contributor, section, status=Status.PENDING, title="Original")
    page = editor_client.get(f"/es/write/{article.pk}/")
    assert 'name="note"' in texts(page)
    response = editor_client.post(f"/es/write/{article.pk}/", form_data(
        section, title="Corregido", note="Errata en el título", action="save"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.status, article.author) == ("Corregido", Status.PENDING,
                                                               contributor)
    entry = ModerationEntry.objects.get(article=article)
    assert (entry.action, entry.actor, entry.reason) == ("edit", editor, "Errata en el título")
    revision = article.revisions.get()
    assert (revision.made_by, revision.note) == (editor, "Errata en el título")


def test_editor_correction_keeps_the_authors_organization(editor_client, contributor,
                                                          organization, section):
    article = make_article(contributor, section, status=Status.PUBLISHED,
                           organization=organization)
    response = editor_client.post(f"/es/write/{article.pk}/", form_data(
        section, organization=organization.pk, action="save"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.organization == organization


def test_publisher_cannot_drop_the_organization_of_a_published_article(
        contributor_client, contributor, organization, section):
    article = make_article(contributor, section, status=Status.PUBLISHED,
                           organization=organization, title="Comunicado")
    response = contributor_client.post(f"/es/write/{article.pk}/", form_data(
        section, title="Otra cosa", organization="", action="save"))
    assert response.status_code == 400
    article.refresh_from_db()
    assert article.title == "Comunicado"


# --- translations -------------------------------------------------------------------

def test_translation_linking(trusted, section):
    client = Client()
    client.force_login(trusted)
    original = make_article(trusted, section, title="Paro nacional", status=Status.PUBLISHED)
    url = "https://altavoz.example" + original.get_absolute_url()
    response = client.post("/en/write/", form_data(
        section, title="National strike", language="en", translation_of=url))
    assert response.status_code == 302
    translation = Article.objects.get(language="en")
    assert translation.group_id == original.group_id
    assert list(original.translations()) == [translation]
    # By slug alone, too; but a third Spanish one is refused.
    response = client.post("/es/write/", form_data(
        section, title="Otro paro", translation_of=translation.slug))
    assert response.status_code == 400
    assert "ya tiene una traducción en este idioma" in texts(response)


def test_translation_of_unknown_or_unpublished_is_refused(contributor_client, contributor,
                                                          section):
    pending = make_article(contributor, section, title="Pendiente", status=Status.PENDING)
    for reference in ("no-such-article", f"/es/article/{pending.slug}/", "http://x/?a=b"):
        response = contributor_client.post("/en/write/", form_data(
            section, language="en", translation_of=reference))
        assert response.status_code == 400, reference
        assert "No published article" in texts(response)
    assert Article.objects.count() == 1


def test_translation_same_language_is_refused(contributor_client, trusted, section):
    original = make_article(trusted, section, title="Paro", status=Status.PUBLISHED)
    response = contributor_client.post("/es/write/", form_data(
        section, translation_of=original.get_absolute_url()))
    assert response.status_code == 400


# --- my articles --------------------------------------------------------------------

def test_mine_lists_own_articles_with_status(contributor_client, contributor, trusted, section):
    make_article(contributor, section, title="Borrador mío")
    make_article(contributor, section, title="Oculto mío", status=Status.HIDDEN,
                 hidden_reason="Contiene datos personales")
    public = make_article(contributor, section, title="Publicado mío", status=Status.PUBLISHED)
    make_article(trusted, section, title="De otra persona")
    html = texts(contributor_client.get("/es/mine/"))
    assert "Borrador mío" in html and "Oculto mío" in html and "Publicado mío" in html
    assert "De otra persona" not in html
    assert "Contiene datos personales" in html
    assert public.get_absolute_url() in html


def test_mine_requires_login(db):
    response = Client().get("/es/mine/")
    assert response.status_code == 302 and "/account/login/" in response.url


def _verified(user):
    user.is_verified = lambda: True
    return user


def test_unverified_editor_editing_others_is_sent_to_two_factor(editor, contributor, section):
    article = make_article(contributor, section)
    client = Client()
    client.force_login(editor)
    response = client.get(f"/es/write/{article.pk}/")
    assert response.status_code == 302 and "/account/two-factor/" in response.url


def test_editing_keeps_the_translation_link(trusted, section):
    client = Client()
    client.force_login(trusted)
    original = make_article(trusted, section, title="Paro", status=Status.PUBLISHED)
    translation = make_article(trusted, section, title="Strike", language="en",
                               status=Status.PENDING, group=original.group)
    page = client.get(f"/es/write/{original.pk}/")
    link = page.context["form"]["translation_of"].value()
    assert link == translation.get_absolute_url()
    response = client.post(f"/es/write/{original.pk}/", form_data(
        section, title="Paro nacional", translation_of=link, action="save"))
    assert response.status_code == 302
    original.refresh_from_db()
    assert original.group_id == translation.group_id
    # Emptying the field unlinks them.
    client.post(f"/es/write/{original.pk}/", form_data(section, translation_of="",
                                                         action="save"))
    original.refresh_from_db()
    assert original.group_id != translation.group_id


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.text(max_size=250), lede=st.text(max_size=50), body=st.text(max_size=200),
    tags=st.text(max_size=80), language=st.sampled_from(["es", "en", "xx", ""]),
    translation_of=st.text(max_size=60),
)
def test_any_input_is_saved_or_refused_never_500(contributor_client, section, title, lede,
                                                 body, tags, language, translation_of):
    response = contributor_client.post("/es/write/", {
        "title": title, "lede": lede, "body": body, "tags": tags, "language": language,
        "section": section.pk, "translation_of": translation_of, "action": "draft"})
    assert response.status_code in {302, 400}
