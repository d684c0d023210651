"""The reader's pages, checked the way a reader (or a crawler) would."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import altavoz
from altavoz.newsroom.models import Article, ModerationEntry, Tag
from altavoz.newsroom.views import errors
from altavoz.people.models import Organization
from tests.conftest import make_user

Status = Article.Status
BUDGET = 60 * 1024  # DESIGN.md: front and article page HTML+CSS


def text(response) -> str:
    return response.content.decode()


CSS = Path(altavoz.__file__).parent / "static" / "altavoz" / "site.css"


def css_bytes() -> int:
    return CSS.stat().st_size


# --- front page -------------------------------------------------------------


def test_front_lists_only_listed_articles_in_the_page_language(client, publish, section):
    publish("Asamblea en Barinas")
    publish("Strike in Caracas", language="en")
    publish("Borrador secreto", status=Status.DRAFT, published_at=None)
    publish("En revisión", status=Status.PENDING, published_at=None)
    publish("Spam rechazado", status=Status.REJECTED, published_at=None)
    publish("Oculto por editores", status=Status.HIDDEN, hidden_reason="duplicado")
    publish("Programado", published_at=timezone.now() + timedelta(hours=2))

    page = text(client.get("/es/"))
    assert "Asamblea en Barinas" in page
    for absent in ["Strike in Caracas", "Borrador secreto", "En revisión", "Spam rechazado",
                   "Oculto por editores", "Programado"]:
        assert absent not in page
    english = text(client.get("/en/"))
    assert "Strike in Caracas" in english and "Asamblea en Barinas" not in english


def test_front_shows_featured_newest_first_then_the_wire(client, publish):
    now = timezone.now()
    publish("Destacada vieja", featured=True, featured_at=now - timedelta(days=2))
    publish("Destacada nueva", featured=True, featured_at=now - timedelta(hours=1))
    publish("Solo en el cable", minutes_ago=30)
    page = text(client.get("/es/"))
    featured, wire = page.split('id="wire"')
    assert featured.index("Destacada nueva") < featured.index("Destacada vieja")
    assert "Solo en el cable" not in featured and "Solo en el cable" in wire


def test_front_shows_at_most_five_featured(client, publish):
    for i in range(7):
        publish(f"Destacada {i}", minutes_ago=i, featured=True,
                featured_at=timezone.now() - timedelta(minutes=i))
    featured = text(client.get("/es/")).split('id="featured"')[1].split('id="wire"')[0]
    assert featured.count("<li") == 5
    assert "Destacada 0" in featured and "Destacada 5" not in featured


def test_pagination_walks_the_wire_and_rejects_bad_page_numbers(client, publish, settings):
    # Stable archive pages (views/listing.py): numbered from the oldest, the
    # bare address holds the newest P..2P-1. Every listing: test_pagination.py.
    settings.ALTAVOZ_PAGE_SIZE = 2
    for i in range(7):
        publish(f"Nota {i}", minutes_ago=i)  # Nota 0 is the newest
    first = text(client.get("/es/"))
    assert "Nota 0" in first and "Nota 2" in first and "Nota 3" not in first
    assert 'rel="next" href="/es/page/2/"' in first and 'rel="prev"' not in first

    second = text(client.get("/es/page/2/"))
    assert "Nota 3" in second and "Nota 4" in second and "Nota 2" not in second
    assert 'rel="prev" href="/es/"' in second  # the latest page has one address only
    assert 'rel="next" href="/es/page/1/"' in second and "Página de archivo 2" in second
    last = text(client.get("/es/page/1/"))
    assert "Nota 6" in last and "Nota 5" in last and 'rel="next"' not in last
    assert 'rel="prev" href="/es/page/2/"' in last

    for junk in ["0", "3", "007", "-1", "abc", "1.5", "9" * 7, "9" * 40, "%00", ""]:
        response = client.get(f"/es/page/{junk}/")
        assert response.status_code == 404, junk
        assert "<h1>" in text(response)  # the friendly page, not a bare error
    # ?page=N means nothing any more: the same bytes as the bare address.
    for query in ["?page=2", "?page=abc", "?page=99", "?utm_source=x"]:
        response = client.get(f"/es/{query}")
        assert response.status_code == 200 and text(response) == first, query


# --- section and tag pages ---------------------------------------------------


def test_section_page_lists_its_articles_and_links_its_feed(client, publish, other_section):
    publish("Noticia de la sección")
    publish("Columna de opinión", section=other_section)
    publish("News in English", language="en")
    response = client.get("/es/section/news/")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Noticias</h1>" in page
    assert "Noticia de la sección" in page
    assert "Columna de opinión" not in page and "News in English" not in page
    assert (
        'type="application/atom+xml" title="altavoz: Noticias" href="/es/section/news/feed/"'
        in page
    )
    assert "<h1>News</h1>" in text(client.get("/en/section/news/"))
    assert client.get("/es/section/no-such-section/").status_code == 404


def test_tag_page_lists_tagged_articles(client, publish):
    tag = Tag.objects.create(slug="agua", name="agua")
    tagged = publish("Sin agua en el barrio")
    tagged.tags.add(tag)
    publish("Otra cosa")
    page = text(client.get("/es/tag/agua/"))
    assert "Sin agua en el barrio" in page and "Otra cosa" not in page
    assert 'href="/es/tag/agua/feed/"' in page
    assert client.get("/es/tag/nada/").status_code == 404


# --- article page -------------------------------------------------------------


def test_article_page_shows_the_story(client, publish, contributor):
    contributor.display_name = "Ana Pérez"
    contributor.save()
    tag = Tag.objects.create(slug="campo", name="campo")
    article = publish("Cosecha colectiva", lede="La comuna cosechó junta.",
                      body="## Cómo\n\nCon **trabajo** colectivo.")
    article.tags.add(tag)
    response = client.get("/es/article/cosecha-colectiva/")
    page = text(response)
    assert response.status_code == 200
    assert page.count("<h1") == 1 and "<h1>Cosecha colectiva</h1>" in page
    assert "La comuna cosechó junta." in page
    assert '<a href="/es/contributor/ana/">Ana Pérez</a>' in page
    assert '<a href="/es/section/news/">Noticias</a>' in page
    assert '<a href="/es/tag/campo/">campo</a>' in page
    assert "<h2>Cómo</h2>" in page and "<strong>trabajo</strong>" in page
    local = timezone.localtime(article.published_at)
    assert f"{local.day} de " in page and str(local.year) in page  # a Spanish date
    assert page.count("<time") == 1  # not updated since publishing


def test_article_shows_update_time_when_it_was_changed_later(client, publish):
    article = publish("Corregida", minutes_ago=120)
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    page = text(client.get("/es/article/corregida/"))
    assert page.count("<time") == 2
    english = publish("Fixed", language="en", minutes_ago=120)
    Article.objects.filter(pk=english.pk).update(updated_at=timezone.now())
    assert "updated <time" in text(client.get("/en/article/fixed/"))


def test_article_escapes_user_text_and_marks_only_the_body_safe(client, publish):
    publish("<b>negrita</b> & más", lede="<script>alert(1)</script>", slug="titulo-raro")
    page = text(client.get("/es/article/titulo-raro/"))
    assert "<b>negrita</b>" not in page and "&lt;b&gt;negrita&lt;/b&gt; &amp; más" in page
    assert "<script>alert(1)</script>" not in page


def test_article_by_an_organization_names_only_the_organization(
    client, publish, contributor, organization
):
    contributor.display_name = "Ana Secreta"
    contributor.save()
    publish("Comunicado del consejo", organization=organization)
    page = text(client.get("/es/article/comunicado-del-consejo/"))
    assert (
        '<a href="/es/organization/consejo-comunal-el-valle/">Consejo Comunal El Valle</a>' in page
    )
    assert "Ana Secreta" not in page and "/contributor/ana/" not in page


def test_article_without_author_is_anonymous(client, publish):
    publish("No signature", author=None, language="en")
    assert "anonymous" in text(client.get("/en/article/no-signature/"))


def test_article_links_its_translations_and_the_switcher_follows(client, publish):
    spanish = publish("Marcha docente")
    publish("Teachers march", language="en", group=spanish.group)
    page = text(client.get("/es/article/marcha-docente/"))
    assert '<a href="/en/article/teachers-march/" hreflang="en" lang="en">English</a>' in page
    assert '<link rel="alternate" hreflang="en" href="/en/article/teachers-march/">' in page
    switcher = page.split('class="langs"')[1].split("</nav>")[0]
    assert 'href="/en/article/teachers-march/"' in switcher
    english = text(client.get("/en/article/teachers-march/"))
    assert 'Also in: <a href="/es/article/marcha-docente/" hreflang="es" lang="es">' in english

    alone = publish("Solo en castellano")
    page = text(client.get(f"/es/article/{alone.slug}/"))
    assert "Also in" not in page
    switcher = page.split('class="langs"')[1].split("</nav>")[0]
    assert 'href="/en/"' in switcher  # no translation: the English front page


def test_hidden_article_stays_reachable_with_the_reason(client, publish):
    publish("Polemic piece", language="en", status=Status.HIDDEN,
            hidden_reason="It exposed a person's home address.")
    response = client.get("/en/article/polemic-piece/")
    page = text(response)
    assert response.status_code == 200
    assert "Hidden by the editors: It exposed a person&#x27;s home address." in page
    assert 'class="banner"' in page and '<meta name="robots" content="noindex">' in page
    assert "Polemic piece" not in text(client.get("/en/"))
    assert client.get("/es/article/polemic-piece/").status_code == 404  # wrong language


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PENDING, Status.REJECTED])
def test_unpublished_articles_are_not_found(client, publish, status):
    publish("No público", status=status, published_at=None)
    assert client.get("/es/article/no-publico/").status_code == 404


def test_scheduled_article_is_not_found_until_its_time(client, publish):
    article = publish("Mañana", published_at=timezone.now() + timedelta(hours=1))
    assert client.get(f"/es/article/{article.slug}/").status_code == 404
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert client.get(f"/es/article/{article.slug}/").status_code == 200


def test_article_cover_has_its_description(client, publish):
    publish("Con foto", cover="covers/2024/05/marcha.jpg", cover_alt="Gente marchando")
    page = text(client.get("/es/article/con-foto/"))
    assert '<img src="/media/covers/2024/05/marcha.jpg" alt="Gente marchando">' in page
    assert 'property="og:image" content="http://testserver/media/covers/2024/05/marcha.jpg"' in page


def test_article_metadata_for_link_previews_and_search_engines(client, publish):
    nasty = 'Fin </script><script>alert("x")</script> & <!-- fin'
    publish(nasty, slug="metadatos", lede="Resumen con \"comillas\" y <etiquetas>")
    page = text(client.get("/es/article/metadatos/"))
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:url" content="http://testserver/es/article/metadatos/">' in page
    assert "<script>alert" not in page
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@type"] == "NewsArticle" and data["headline"] == nasty
    assert data["inLanguage"] == "es" and data["author"]["name"] == "ana"


# --- contributor and organization pages --------------------------------------


def test_contributor_page_never_shows_what_they_published_for_an_organization(
    client, publish, contributor, organization
):
    contributor.display_name = "Ana Pérez"
    contributor.bio = "Maestra rural."
    contributor.save()
    publish("Mi crónica")
    publish("My chronicle", language="en")
    publish("Comunicado oficial", organization=organization)
    page = text(client.get("/es/contributor/ana/"))
    assert "<h1>Ana Pérez</h1>" in page and "Maestra rural." in page
    assert "Mi crónica" in page and "My chronicle" in page  # every language
    assert 'lang="en"' in page
    assert "Comunicado oficial" not in page
    assert organization.name not in page
    assert 'href="/es/contributor/ana/feed/"' in page


@pytest.mark.parametrize("name", ["nadie", "x", "a%00b", "a" * 300, "ana%20"])
def test_unknown_contributor_is_not_found(client, db, name):
    assert client.get(f"/es/contributor/{name}/").status_code == 404


def test_organizations_index_and_page(client, publish, organization):
    organization.description = "Consejo comunal del valle."
    organization.save()
    Organization.objects.create(slug="sindicato", name="Sindicato Textil",
                                kind=Organization.Kind.UNION)
    publish("Asamblea del consejo", organization=organization)
    publish("Artículo personal")
    index = text(client.get("/en/organizations/"))
    assert "Consejo Comunal El Valle" in index and "Sindicato Textil" in index
    assert index.count("✓ verified") == 1
    page = text(client.get("/es/organization/consejo-comunal-el-valle/"))
    assert "<h1>Consejo Comunal El Valle</h1>" in page
    assert "Consejo comunal del valle." in page and "✓" in page
    assert "Asamblea del consejo" in page and "Artículo personal" not in page
    assert 'href="/es/organization/consejo-comunal-el-valle/feed/"' in page
    english = text(client.get("/en/organization/consejo-comunal-el-valle/"))
    assert "Communal council" in english
    assert client.get("/es/organization/nada/").status_code == 404


# --- transparency pages --------------------------------------------------------


def test_hidden_index_lists_every_hidden_article_with_its_reason(client, publish, editor):
    older = publish("Oculto antes", status=Status.HIDDEN, hidden_reason="Spam comercial")
    newer = publish("Oculto después", status=Status.HIDDEN, hidden_reason="Difamación",
                    language="en")
    now = timezone.now()
    for article, ago in [(older, 5), (newer, 1)]:
        ModerationEntry.objects.create(article=article, action="hide", actor=editor,
                                       actor_role="editor", reason=article.hidden_reason,
                                       created_at=now - timedelta(hours=ago))
    publish("Visible")
    page = text(client.get("/en/hidden/"))
    assert "Reason: Spam comercial" in page and "Reason: Difamación" in page
    assert page.index("Oculto después") < page.index("Oculto antes")
    assert "Visible" not in page


def test_moderation_log_shows_role_not_person_and_skips_spam(client, publish, editor):
    editor.display_name = "Carmen Editora"
    editor.save()
    shown = publish("Aprobado")
    spam = publish("Compre relojes", status=Status.REJECTED, published_at=None)
    later = publish("Para mañana", published_at=timezone.now() + timedelta(days=1))
    ModerationEntry.objects.create(article=shown, action="approve", actor=editor,
                                   actor_role="editor", reason="Bien documentado")
    ModerationEntry.objects.create(article=spam, action="reject", actor=editor,
                                   actor_role="editor", reason="spam")
    ModerationEntry.objects.create(article=later, action="schedule", actor=editor,
                                   actor_role="editor")
    page = text(client.get("/en/moderation/"))
    assert "Editor" in page and "Approved" in page and "Bien documentado" in page
    assert '<a href="/es/article/aprobado/" lang="es">Aprobado</a>' in page
    assert "carmen" not in page and "Carmen Editora" not in page
    assert "Compre relojes" not in page and "Rejected as spam" not in page
    assert "Para mañana" not in page and "an article that is not public" in page


def test_about_page_explains_the_site_in_both_languages(client, db):
    for lang in ("es", "en"):
        response = client.get(f"/{lang}/about/")
        page = text(response)
        assert response.status_code == 200 and page.count("<h1") == 1
        assert f'href="/{lang}/moderation/"' in page and f'href="/{lang}/hidden/"' in page
    assert "Transparent moderation" in text(client.get("/en/about/"))


# --- search ----------------------------------------------------------------------


def test_search_needs_every_word_and_ranks_title_matches_first(client, publish):
    publish("Clean water for the barrio", language="en", minutes_ago=5)
    publish("Water assembly", body="They spoke of the barrio and its water.", language="en",
            minutes_ago=1)
    publish("Only water", language="en")
    publish("Agua para el barrio")
    page = text(client.get("/en/search/?q=WATER+barrio"))
    assert "2 articles contain" in page
    # Ranked, not newest first: both words in the title beat one in the title.
    assert page.index("Clean water for the barrio") < page.index("Water assembly")
    assert "Only water" not in page and "Agua para el barrio" not in page
    assert 'value="WATER barrio"' in page
    assert "Agua para el barrio" in text(client.get("/es/search/?q=agua+barrio"))
    nothing = text(client.get("/en/search/?q=water+zebra"))
    assert "No article contains all these words." in nothing and "Only water" not in nothing


def test_search_without_words_shows_the_form(client, db):
    for url in ["/es/search/", "/es/search/?q=", "/es/search/?q=%20%20"]:
        page = text(client.get(url))
        assert '<input id="search-q" name="q" type="search" value=""' in page
        assert "articles contain" not in page


def test_search_survives_hostile_queries(client, publish):
    publish("Nada")
    for q in ["x" * 5000, "a%00b", "%27%3B--", "%25%5F%5C", " ".join(["w"] * 500)]:
        response = client.get(f"/en/search/?q={q}")
        assert response.status_code == 200, q
    page = text(client.get("/en/search/?q=" + "y" * 5000))
    assert 'value="' + "y" * 200 + '"' in page and "y" * 201 not in page
    assert client.get("/en/search/?q=nada&page=zz").status_code == 404


def test_search_pagination_keeps_the_query(client, publish, settings):
    settings.ALTAVOZ_PAGE_SIZE = 1
    publish("Tierra uno", minutes_ago=1)
    publish("Tierra dos", minutes_ago=2)
    page = text(client.get("/es/search/?q=tierra"))
    assert 'rel="next" href="/es/search/?q=tierra&amp;page=2"' in page


# --- every public page -----------------------------------------------------------

PUBLIC_URLS = [
    "/es/", "/en/", "/es/section/news/", "/es/tag/agua/", "/es/article/publica/",
    "/es/article/escondida/", "/es/contributor/ana/", "/es/organizations/",
    "/es/organization/consejo-comunal-el-valle/", "/es/hidden/", "/es/moderation/",
    "/es/about/", "/en/about/", "/es/search/", "/es/search/?q=publica",
]


@pytest.fixture
def site_content(publish, organization):
    tag = Tag.objects.create(slug="agua", name="agua")
    publish("Pública").tags.add(tag)
    publish("Escondida", status=Status.HIDDEN, hidden_reason="motivo")
    publish("Del consejo", organization=organization)


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_are_the_same_bytes_for_everyone(client, site_content, contributor, url):
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert "Set-Cookie" not in anonymous.headers and not anonymous.cookies
    assert "Cookie" not in anonymous.headers.get("Vary", "")
    page = text(anonymous)
    assert "csrfmiddlewaretoken" not in page
    signed_in = Client()
    signed_in.force_login(contributor)
    again = signed_in.get(url)
    assert again.content == anonymous.content
    assert "Set-Cookie" not in again.headers and not again.cookies


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_have_one_h1_a_search_form_and_a_feed(client, site_content, url):
    page = text(client.get(url))
    assert page.count("<h1") == 1
    assert re.search(r'<form role="search" method="get"[^>]*>', page)
    assert 'name="q"' in page
    feed = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', page)
    assert feed and client.get(feed.group(1)).status_code == 200
    assert '<main id="main">' in page and "<html lang=" in page


def test_front_and_article_fit_the_page_weight_budget(client, publish, settings):
    lede = "Campesinas y campesinos del municipio se reunieron en asamblea. " * 9
    # The front page at its fullest: 2P-1 articles on the wire (one more and the
    # oldest P move to an archive page), five of them also featured.
    fullest = 2 * settings.ALTAVOZ_PAGE_SIZE - 1
    for i in range(fullest + 2 * settings.ALTAVOZ_PAGE_SIZE):
        publish(f"Titular número {i} sobre una asamblea larga", minutes_ago=i,
                lede=lede[:600], featured=i < 5, featured_at=timezone.now())
    front = client.get("/es/")
    assert text(front).count("<li><article>") == fullest + 5
    assert len(front.content) + css_bytes() <= BUDGET, len(front.content)
    paragraph = "La asamblea discutió el agua, la tierra y la escuela durante horas. " * 8
    body = "\n\n".join([paragraph] * 18)  # about 1,700 words
    publish("Crónica larga", lede=lede[:600], body=body)
    article = client.get("/es/article/cronica-larga/")
    assert len(article.content) + css_bytes() <= BUDGET, len(article.content)


def test_stylesheet_is_small_and_calls_no_other_host():
    css = CSS.read_text(encoding="utf-8")
    assert len(css.encode()) < 8 * 1024
    assert "http" not in css and "@import" not in css and "url(" not in css


def test_listings_do_not_query_per_article(client, publish, organization, contributor):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    publish("Primera", organization=organization)
    publish("Primera personal")
    first_hidden = publish("Primera oculta", status=Status.HIDDEN, hidden_reason="r")
    ModerationEntry.objects.create(article=first_hidden, action="hide", actor_role="editor")
    few = {url: queries(url) for url in ["/es/", "/es/section/news/", "/es/hidden/",
                                          "/es/moderation/", "/es/contributor/ana/"]}
    other = make_user("otro")
    for i in range(12):
        author = [contributor, other, None][i % 3]
        publish(f"Más {i}", author=author, organization=organization if i % 4 == 0 else None)
        hidden = publish(f"Oculta {i}", status=Status.HIDDEN, hidden_reason="r")
        ModerationEntry.objects.create(article=hidden, action="hide", actor_role="editor")
    for url, count in few.items():
        assert queries(url) == count, url


# --- errors --------------------------------------------------------------------------


def test_not_found_page_speaks_the_readers_language(client, db):
    response = client.get("/en/no/such/page/")
    page = text(response)
    assert response.status_code == 404
    assert '<html lang="en">' in page and "<h1>Page not found</h1>" in page
    assert "Set-Cookie" not in response.headers
    spanish = client.get("/es/no/existe/")
    assert spanish.status_code == 404 and '<html lang="es">' in text(spanish)


def test_error_views_answer_with_their_status(rf: RequestFactory):
    request = rf.get("/en/")
    assert errors.bad_request(request, None).status_code == 400
    denied = errors.forbidden(request, PermissionDenied("Only editors may do this."))
    assert denied.status_code == 403 and "Only editors may do this." in text(denied)


def test_server_error_page_needs_no_database(rf: RequestFactory):
    # No `db` fixture: any query here would raise, and the page must still render.
    response = errors.server_error(rf.get("/es/"))
    assert response.status_code == 500
    assert "<h1>" in text(response) and "/static/altavoz/site.css" in text(response)

