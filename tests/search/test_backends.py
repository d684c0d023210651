"""The backend contract, run on SQLite FTS5 and on PostgreSQL (whichever this
pass of the suite uses): matching, ranking, filters, pagination, visibility."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

from django.utils import timezone

from altavoz.newsroom.models import Article
from tests.search.conftest import ids

Status = Article.Status


def test_accents_and_case_do_not_matter(backend, publish):
    found = publish("La revolución de los barrios")
    plain = publish("Crónica de la educacion popular")
    for query in ["revolucion", "REVOLUCIÓN", "Revolución", "rEvOlUcIoN"]:
        assert ids(backend.search(query)) == [found.pk], query
    assert ids(backend.search("educación")) == [plain.pk]


def test_spanish_stemming(backend, publish):
    one = publish("Un campesino de Barinas", lede="Habla la campesina.")
    assert ids(backend.search("campesinos", language="es")) == [one.pk]
    assert ids(backend.search("campesinas")) == [one.pk]  # no filter: both languages
    assert ids(backend.search("elecciones")) == []


def test_english_stemming(backend, publish):
    one = publish("The election in the valley", language="en", lede="Votes.")
    assert ids(backend.search("elections", language="en")) == [one.pk]
    assert ids(backend.search("ELECTIONS")) == [one.pk]


def test_every_word_must_appear(backend, publish):
    both = publish("Agua y luz para el barrio")
    publish("Agua potable")
    assert ids(backend.search("agua barrio")) == [both.pk]
    assert backend.search("agua zebra").total == 0


def test_title_ranks_above_summary_above_body(backend, publish):
    body = publish("Informe semanal", lede="Resumen.", body="Se habló de la cosecha.",
                   days_ago=0)
    title = publish("La cosecha de este año", lede="Resumen.", body="Texto.", days_ago=2)
    lede = publish("Otro informe", lede="Buena cosecha en el valle.", body="Texto.",
                   days_ago=1)
    assert ids(backend.search("cosecha")) == [title.pk, lede.pk, body.pk]
    hits = backend.search("cosecha").hits
    assert hits[0].score > hits[1].score > hits[2].score


def test_tags_are_searched(backend, publish):
    from altavoz.newsroom.workflow import set_tags

    article = publish("Sin la palabra en el texto")
    set_tags(article, [("soberania-alimentaria", "Soberanía alimentaria")])
    assert ids(backend.search("soberania")) == [article.pk]
    set_tags(article, [])
    assert ids(backend.search("soberania")) == []


def test_phrases_and_exclusions(backend, publish):
    together = publish("Asamblea campesina en Lara")
    apart = publish("Asamblea de la comuna", lede="Una propuesta campesina.")
    assert set(ids(backend.search("asamblea campesina"))) == {together.pk, apart.pk}
    assert ids(backend.search('"asamblea campesina"')) == [together.pk]
    assert ids(backend.search("asamblea -lara")) == [apart.pk]
    assert ids(backend.search('asamblea -"asamblea campesina"')) == [apart.pk]


def test_filter_by_language_and_section(backend, publish, opinion):
    es = publish("Huelga docente")
    en = publish("Teachers' huelga", language="en")
    op = publish("Huelga y opinión", section=opinion)
    assert set(ids(backend.search("huelga"))) == {es.pk, en.pk, op.pk}
    assert set(ids(backend.search("huelga", language="es"))) == {es.pk, op.pk}
    assert ids(backend.search("huelga", language="en")) == [en.pk]
    assert ids(backend.search("huelga", section="opinion")) == [op.pk]
    assert set(ids(backend.search("huelga", section="news", language="es"))) == {es.pk}
    assert backend.search("huelga", section="nonexistent").total == 0


def test_filter_by_date_range_days_included(backend, publish):
    today = timezone.localdate()
    old = publish("Marcha antigua", days_ago=30)
    recent = publish("Marcha reciente", days_ago=2)
    day = timezone.localtime(recent.published_at).date()
    assert ids(backend.search("marcha", date_from=day)) == [recent.pk]
    assert ids(backend.search("marcha", date_to=day - timedelta(days=1))) == [old.pk]
    assert ids(backend.search("marcha", date_from=day, date_to=day)) == [recent.pk]
    assert backend.search("marcha", date_from=today + timedelta(days=1)).total == 0
    assert backend.search("marcha", date_from=date(2000, 1, 2), date_to=date(2000, 1, 1)).total == 0


def test_pagination_counts_and_never_repeats(backend, publish):
    made = {publish(f"Cooperativa número {n}", days_ago=n).pk for n in range(7)}
    pages = [backend.search("cooperativa", page=n, page_size=3) for n in (1, 2, 3, 4)]
    assert [p.total for p in pages] == [7, 7, 7, 7]
    assert [len(p.hits) for p in pages] == [3, 3, 1, 0]
    seen = [pk for p in pages for pk in ids(p)]
    assert len(seen) == len(set(seen)) and set(seen) == made


def test_only_listed_articles_are_found(backend, publish):
    listed = publish("Minería ilegal: publicada")
    for status in [Status.DRAFT, Status.PENDING, Status.REJECTED]:
        publish(f"Minería ilegal: {status}", status=status, published_at=None)
    publish("Minería ilegal: oculta", status=Status.HIDDEN, hidden_reason="duplicado")
    publish("Minería ilegal: programada", published_at=timezone.now() + timedelta(hours=2))
    assert ids(backend.search("mineria")) == [listed.pk]


def test_scheduled_article_appears_once_due_without_reindex(backend, publish):
    due = timezone.now() + timedelta(hours=2)
    article = publish("Convocatoria programada", published_at=due)
    assert backend.search("convocatoria").total == 0
    later = due + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert ids(backend.search("convocatoria")) == [article.pk]


def test_edits_are_reindexed(backend, publish):
    article = publish("Denuncia sobre el puente")
    article.title = "Denuncia sobre la carretera"
    article.body = "Nada más."
    article.save()
    assert backend.search("puente").total == 0
    assert ids(backend.search("carretera")) == [article.pk]


def test_hide_and_unhide_through_the_workflow(backend, publish, editor):
    from altavoz.newsroom import workflow

    editor.is_verified = lambda: True  # as after TOTP
    article = publish("Comunicado sobre el agua")
    workflow.hide(article, editor, "duplicado")
    assert backend.search("comunicado").total == 0
    workflow.unhide(article, editor)
    assert ids(backend.search("comunicado")) == [article.pk]


def test_submission_approved_by_an_editor_becomes_findable(backend, publish, editor):
    from altavoz.newsroom import workflow

    editor.is_verified = lambda: True
    article = publish("Propuesta de la comuna", status=Status.PENDING, published_at=None)
    assert backend.search("propuesta").total == 0
    workflow.approve(article, editor)
    assert ids(backend.search("propuesta")) == [article.pk]


def test_deleted_articles_leave_the_index(backend, publish):
    article = publish("Artículo borrado")
    pk = article.pk
    article.delete()
    assert backend.search("borrado").total == 0
    assert pk not in backend.indexed_ids()


def test_renamed_tag_is_found_by_its_new_name(backend, publish):
    from altavoz.newsroom.models import Tag

    tag = Tag.objects.create(slug="agua", name="agua")
    article = publish("Sin la palabra")
    article.tags.add(tag)
    tag.name = "hidrología"
    tag.save()
    assert ids(backend.search("hidrologia")) == [article.pk]
    tag.delete()
    assert backend.search("hidrologia").total == 0
