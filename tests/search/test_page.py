"""The results page: form and filters, ranked results with snippets, pagination
that keeps the filters, and clear answers to bad filters."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from altavoz.newsroom.models import Article


def text(response) -> str:
    return response.content.decode()


def test_empty_query_shows_the_form_with_accessible_filters(client, db, opinion):
    response = client.get("/en/search/")
    page = text(response)
    assert response.status_code == 200
    assert '<input id="search-q" name="q" type="search" value=""' in page
    for field in ["search-q", "search-section", "search-language", "search-from", "search-to"]:
        assert f'<label for="{field}">' in page, field
    assert '<option value="opinion">Opinion</option>' in page
    assert "articles contain" not in page
    assert '<meta name="robots" content="noindex">' in page
    assert response["X-Robots-Tag"] == "noindex"
    assert "Set-Cookie" not in response.headers and "csrfmiddlewaretoken" not in page


def test_results_show_title_link_section_date_and_marked_snippet(client, publish):
    article = publish("Informe del valle", lede="Resumen sin la palabra.",
                      body="Mucho texto antes. Los campesinos <b>del</b> valle votaron.")
    page = text(client.get("/en/search/?q=campesino"))
    assert "One article contains “campesino”." in page
    assert f'<a href="{article.get_absolute_url()}">Informe del valle</a>' in page
    assert '<a href="/en/section/news/">News</a>' in page
    assert "<time datetime=" in page
    assert "… Los <mark>campesinos</mark> del valle votaron." in page or (
        "Mucho texto antes. Los <mark>campesinos</mark> del valle votaron." in page)


def test_summary_is_the_snippet_when_it_matches(client, publish):
    publish("Agua", lede="La revolución del agua llega a Coro.")
    page = text(client.get("/en/search/?q=REVOLUCION"))
    assert "La <mark>revolución</mark> del agua llega a Coro." in page


def test_filters_narrow_and_stay_selected(client, publish, opinion):
    publish("Huelga en el puerto", days_ago=40)
    publish("Huelga en la escuela", section=opinion, days_ago=1)
    publish("Strike: huelga in English", language="en", section=opinion, days_ago=1)
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    page = text(client.get(f"/en/search/?q=huelga&section=opinion&language=es&from={since}"))
    assert "Huelga en la escuela" in page
    assert "Huelga en el puerto" not in page and "Strike" not in page
    assert '<option value="opinion" selected>' in page
    assert '<option value="es" lang="es" selected>' in page
    assert f'name="from" type="date" value="{since}"' in page
    everything = text(client.get("/en/search/?q=huelga"))
    assert "3 articles contain" in everything


def test_pagination_keeps_every_filter(client, publish, settings, opinion):
    settings.ALTAVOZ_PAGE_SIZE = 1
    for n in range(3):
        publish(f"Cosecha {n}", section=opinion, days_ago=n + 1)
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    until = timezone.localdate().isoformat()
    url = f"/en/search/?q=cosecha&section=opinion&language=es&from={since}&to={until}"
    first = text(client.get(url))
    assert "3 articles contain" in first
    next_url = (f"/en/search/?q=cosecha&amp;section=opinion&amp;language=es"
                f"&amp;from={since}&amp;to={until}&amp;page=2")
    assert f'rel="next" href="{next_url}"' in first
    second = text(client.get(next_url.replace("&amp;", "&")))
    assert 'rel="prev" href="/en/search/?q=cosecha&amp;section=opinion' in second
    assert "Page 2 of 3" in second
    titles = [re.findall(r">(Cosecha \d)</a>", text(client.get(
        url + (f"&page={n}" if n > 1 else ""))))[0] for n in (1, 2, 3)]
    assert sorted(titles) == ["Cosecha 0", "Cosecha 1", "Cosecha 2"]
    assert client.get(url + "&page=4").status_code == 404
    assert client.get(url + "&page=zz").status_code == 404


def test_junk_filters_get_a_message_and_a_400(client, publish):
    publish("Asamblea")
    cases = {
        "section=nope": "There is no such section",
        "language=klingon": "Articles are not published in that language",
        "from=yesterday": "Enter a date as year-month-day",
        "to=2025-13-45": "Enter a date as year-month-day",
        "from=0001-01-01": "Choose a date between the years",
        "to=9999-12-31": "Choose a date between the years",
        "from=2025-05-02&to=2025-05-01": "The end date is before the start date.",
    }
    for params, message in cases.items():
        response = client.get(f"/en/search/?q=asamblea&{params}")
        assert response.status_code == 400, params
        page = text(response)
        assert message in page, params
        assert 'role="alert"' in page and 'aria-invalid="true"' in page, params
        assert "articles contain" not in page


def test_a_query_without_words_says_so(client, publish):
    publish("Asamblea")
    for q in ["!!!", "-asamblea", "%22%22"]:
        page = text(client.get(f"/en/search/?q={q}"))
        assert "There are no words to look for" in page, q


def test_hostile_query_is_escaped(client, publish):
    publish("Asamblea")
    page = text(client.get("/en/search/?q=%3Cscript%3Ealert(1)%3C/script%3E+asamblea"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; asamblea" in page


def test_hidden_articles_never_reach_the_page(client, publish):
    publish("Oculta por editores", status=Article.Status.HIDDEN, hidden_reason="spam")
    page = text(client.get("/en/search/?q=oculta"))
    assert "Oculta por editores" not in page
    assert "No article contains all these words." in page
