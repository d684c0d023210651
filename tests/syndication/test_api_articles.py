"""Articles through the API: public lists and details, and submitting with a token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from altavoz.newsroom.models import Article, Revision, Tag
from altavoz.people import tokens
from altavoz.people.models import Membership

Status = Article.Status


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue(user)[1]}"}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


# --- listing ---

def test_lists_only_listed_articles_newest_first(client, publish):
    publish("Vieja", minutes_ago=30)
    publish("Nueva", minutes_ago=1)
    publish("English one", minutes_ago=10, language="en")
    publish("Oculta", status=Status.HIDDEN, hidden_reason="r")
    publish("Borrador", status=Status.DRAFT, published_at=None)
    publish("Pendiente", status=Status.PENDING, published_at=None)
    publish("Futura", published_at=timezone.now() + timedelta(hours=1))
    response = client.get("/api/v1/articles")
    assert response["Content-Type"].startswith("application/json")
    assert titles(response) == ["Nueva", "English one", "Vieja"]
    assert "Set-Cookie" not in response.headers  # a public read, the same for everyone


def test_filters(client, publish, other_section, organization, trusted):
    water = Tag.objects.create(slug="agua", name="Agua")
    a = publish("Agua potable en El Valle", minutes_ago=5, body="La **cisterna** llegó.")
    a.tags.add(water)
    publish("Opinión", minutes_ago=6, section=other_section)
    publish("Comunicado", minutes_ago=7, organization=organization)
    publish("De Berta", minutes_ago=8, author=trusted)
    publish("In English", minutes_ago=9, language="en")
    old = publish("Antigua", minutes_ago=60 * 24 * 40)
    assert titles(client.get("/api/v1/articles?language=en")) == ["In English"]
    assert titles(client.get("/api/v1/articles?section=opinion")) == ["Opinión"]
    assert titles(client.get("/api/v1/articles?tag=agua")) == ["Agua potable en El Valle"]
    assert titles(client.get(f"/api/v1/articles?organization={organization.slug}")) == [
        "Comunicado"]
    assert titles(client.get("/api/v1/articles?author=berta")) == ["De Berta"]
    assert titles(client.get("/api/v1/articles?q=CISTERNA valle")) == [
        "Agua potable en El Valle"]
    day = timezone.localdate(old.published_at)
    assert titles(client.get(f"/api/v1/articles?until={day.isoformat()}")) == ["Antigua"]
    assert "Antigua" not in titles(
        client.get(f"/api/v1/articles?since={(day + timedelta(days=1)).isoformat()}"))
    both = client.get("/api/v1/articles?language=es&section=news&q=agua")
    assert titles(both) == ["Agua potable en El Valle"]


def test_the_author_filter_never_reveals_who_wrote_for_an_organization(
        client, publish, organization, contributor):
    publish("Comunicado del consejo", organization=organization)
    publish("Mi columna")
    assert titles(client.get(f"/api/v1/articles?author={contributor.username}")) == [
        "Mi columna"]
    items = client.get("/api/v1/articles").json()["items"]
    signed = next(i for i in items if i["title"] == "Comunicado del consejo")
    assert signed["byline"] == {"name": organization.name, "kind": "organization",
                                "url": f"/es/organization/{organization.slug}/"}
    assert contributor.username not in str(signed)


@pytest.mark.parametrize("query, field", [
    ("language=xx", "language"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page_size=101", "page_size"),
    ("since=yesterday", "since"),
    ("section=no%20spaces", "section"),
    ("author=%00root", "author"),
    ("until=9999-12-31&q=agua", "until"),
    ("since=0001-01-01", "since"),
])
def test_bad_filters_get_a_422_naming_the_field(client, publish, query, field):
    publish("Una")
    response = client.get(f"/api/v1/articles?{query}")
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error


@pytest.mark.parametrize("query", ["section=nope", "tag=nope", "organization=nope",
                                   "author=nobody"])
def test_unknown_filter_values_are_a_404_that_says_what(client, publish, query):
    publish("Una")
    response = client.get(f"/api/v1/articles?{query}")
    assert response.status_code == 404
    assert "nope" in response.json()["error"]["message"] or "nobody" in str(response.json())


def test_pagination(client, publish):
    for n in range(5):
        publish(f"Artículo {n}", minutes_ago=n)
    first = client.get("/api/v1/articles?page_size=2&language=es").json()
    assert [i["title"] for i in first["items"]] == ["Artículo 0", "Artículo 1"]
    assert (first["count"], first["page"], first["pages"], first["page_size"]) == (5, 1, 3, 2)
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert [i["title"] for i in second["items"]] == ["Artículo 2", "Artículo 3"]
    assert "language=es" in second["next"] and "page_size=2" in second["next"]
    assert client.get(second["previous"]).json()["items"] == first["items"]
    last = client.get(second["next"]).json()
    assert last["next"] is None and len(last["items"]) == 1
    beyond = client.get("/api/v1/articles?page_size=2&page=4")
    assert beyond.status_code == 404
    assert "3" in beyond.json()["error"]["message"]


def test_an_empty_site_lists_nothing_without_error(client, db):
    body = client.get("/api/v1/articles").json()
    assert body["items"] == [] and body["count"] == 0 and body["pages"] == 1


# --- detail ---

def test_detail_by_address_and_by_id(client, publish, trusted):
    tag = Tag.objects.create(slug="agua", name="Agua")
    article = publish("Asamblea", body="Texto con **negritas** <script>x</script>",
                      author=trusted)
    article.tags.add(tag)
    english = publish("Assembly", language="en", group=article.group)
    body = client.get("/api/v1/articles/es/asamblea").json()
    assert body == client.get(f"/api/v1/articles/{article.pk}").json()
    assert body["title"] == "Asamblea" and body["language"] == "es"
    assert body["body"].startswith("Texto con **negritas**")
    assert "<strong>negritas</strong>" in body["body_html"] and "<script>" not in body["body_html"]
    assert body["status"] == "published" and body["hidden_reason"] is None
    assert body["section"] == {"slug": "news", "name": "Noticias"}
    assert body["tags"] == [{"slug": "agua", "name": "Agua"}]
    assert body["byline"] == {"name": "berta", "kind": "person",
                              "url": "/es/contributor/berta/"}
    assert body["url"] == "/es/article/asamblea/"
    assert body["api_url"] == "/api/v1/articles/es/asamblea"
    assert body["translations"] == {"en": english.get_absolute_url()}
    assert body["published_at"] and body["updated_at"]
    en = client.get("/api/v1/articles/en/assembly").json()
    assert en["section"]["name"] == "News" and en["translations"] == {"es": body["url"]}


def test_hidden_articles_are_readable_with_their_reason(client, publish):
    publish("Oculta", status=Status.HIDDEN, hidden_reason="Datos personales de un vecino.")
    body = client.get("/api/v1/articles/es/oculta").json()
    assert body["status"] == "hidden"
    assert body["hidden_reason"] == "Datos personales de un vecino."


def test_an_organizations_article_never_names_its_author(client, publish, organization,
                                                         contributor):
    contributor.display_name = "Ana Pérez"
    contributor.save()
    publish("Comunicado", organization=organization)
    response = client.get("/api/v1/articles/es/comunicado")
    assert response.json()["byline"]["name"] == organization.name
    assert "Ana" not in response.content.decode() and contributor.username not in (
        response.content.decode())


@pytest.mark.parametrize("url", [
    "/api/v1/articles/es/no-existe", "/api/v1/articles/xx/asamblea",
    "/api/v1/articles/999999", "/api/v1/articles/99999999999999999999999",
    "/api/v1/articles/es/borrador", "/api/v1/articles/es/futura",
    "/api/v1/articles/es/bad%00slug",
])
def test_what_is_not_public_is_a_json_404(client, publish, url):
    publish("Borrador", status=Status.DRAFT, published_at=None)
    publish("Futura", published_at=timezone.now() + timedelta(hours=1))
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- submitting ---

def article_payload(**changes) -> dict:
    payload = {
        "title": "  Cosecha   de maíz ", "lede": "Resumen.", "body": "La **cosecha**.",
        "language": "es", "section": "news", "tags": ["Maíz", "campo, agua"],
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def post(client, user, payload) -> object:
    return client.post("/api/v1/articles", payload, content_type="application/json",
                       **bearer(user))


def test_a_contributors_article_waits_for_review(client, section, contributor):
    response = post(client, contributor, article_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    article = Article.objects.get(pk=body["id"])
    assert body["status"] == "pending" == article.status
    assert body["url"] == "/es/article/cosecha-de-maiz/" and body["api_url"] is None
    assert article.title == "Cosecha de maíz" and article.author == contributor
    assert sorted(article.tags.values_list("slug", flat=True)) == ["agua", "campo", "maiz"]
    assert Revision.objects.filter(article=article).count() == 1
    assert client.get("/api/v1/articles/es/cosecha-de-maiz").status_code == 404


def test_a_trusted_contributors_article_is_published(client, section, trusted):
    response = post(client, trusted, article_payload(title="Directo"))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "published" and body["api_url"] == "/api/v1/articles/es/directo"
    assert client.get(body["api_url"]).json()["byline"]["name"] == "berta"


def test_a_verified_organizations_publisher_publishes_in_its_name(client, section,
                                                                 organization, contributor):
    response = post(client, contributor, article_payload(organization=organization.slug))
    assert response.status_code == 201
    assert response.json()["status"] == "published"
    assert Article.objects.get().organization == organization


def test_only_organizations_one_may_sign_for(client, section, organization, trusted):
    Membership.objects.create(organization=organization, user=trusted,
                              role=Membership.Role.MEMBER)
    for slug in [organization.slug, "otra"]:
        response = post(client, trusted, article_payload(organization=slug))
        assert response.status_code == 422
        assert "organization" in response.json()["error"]["fields"]
    assert not Article.objects.exists()


def test_translation_links(client, publish, trusted):
    original = publish("Asamblea")
    response = post(client, trusted, article_payload(
        title="Assembly", language="en", translation_of="/es/article/asamblea/"))
    assert response.status_code == 201, response.content
    assert Article.objects.get(pk=response.json()["id"]).group == original.group
    again = post(client, trusted, article_payload(
        title="Otra", language="es", translation_of="https://example.org/en/article/assembly/"))
    assert again.status_code == 422
    assert "language" in again.json()["error"]["fields"] or "translation_of" in (
        again.json()["error"]["fields"])


@pytest.mark.parametrize("changes, field", [
    ({"title": " "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"section": "nope"}, "section"),
    ({"language": "xx"}, "language"),
    ({"tags": ["t"] * 11}, "tags"),
    ({"tags": ["!!!"]}, "tags"),
    ({"translation_of": "no-such-article"}, "translation_of"),
    ({"body": "a\x00b"}, "body"),
    ({"lede": None}, "lede"),
    ({"title": 5}, "title"),
])
def test_invalid_submissions_get_a_422_with_fields(client, section, contributor, changes, field):
    response = post(client, contributor, article_payload(**changes))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert not Article.objects.exists()


def test_messages_follow_accept_language(client, section, contributor):
    """LocaleMiddleware picks the language from Accept-Language for /api/ as for
    any address outside the language prefixes; the site's default otherwise."""
    messages = {}
    for lang in ["es", "en"]:
        response = client.post("/api/v1/articles", article_payload(lede=None),
                               content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang,
                               **bearer(contributor))
        messages[lang] = response.json()["error"]["fields"]["lede"]
    assert messages == {"es": ["Este campo es obligatorio."], "en": ["This field is required."]}
