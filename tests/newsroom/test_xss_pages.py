"""The XSS corpus, end to end: each payload goes in through the writing form (title,
summary, text, tags) and comes out on the pages readers and editors open. A page
carrying a payload must hold exactly the same executable elements (the site's own
search form, stylesheet link, JSON-LD…) as the same page carrying harmless text."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from altavoz.newsroom.models import Article, Tag
from altavoz.newsroom.views.listing import listing_paths
from altavoz.newsroom.views.public import front_items, tag_items
from tests.newsroom.test_sanitize import PAYLOADS
from tests.xss import executable_content


def _submit(client: Client, section, text: str) -> Article | None:
    before = set(Article.objects.values_list("pk", flat=True))
    response = client.post("/es/write/", {
        "title": text[:200], "lede": text[:600], "body": f"{text}\n\n{text}",
        "language": "es", "section": section.pk,
        # One tag from the payload: commas would split it into several, each a <meta>.
        "tags": text[:50].replace(",", " ") + ", ok", "action": "submit",
    })
    if "\x00" in text:
        # Django's form fields refuse NUL characters outright: safe, and said clearly.
        assert response.status_code == 400
        return None
    assert response.status_code == 302, text
    (article,) = Article.objects.exclude(pk__in=before)
    return article


def _elements(client: Client, url: str) -> Counter:
    response = client.get(url)
    assert response.status_code == 200, url
    return Counter(executable_content(response.content.decode()))


@pytest.fixture
def trusted_client(trusted) -> Client:
    client = Client()
    client.force_login(trusted)
    return client


def test_no_payload_survives_on_any_page(trusted_client, editor_client, section):
    harmless = _submit(trusted_client, section, "Una asamblea tranquila")
    reader = Client()
    baseline = {
        "article": _elements(reader, harmless.get_absolute_url()),
        "front": _elements(reader, "/es/"),
        "editor": _elements(editor_client, f"/es/editor/article/{harmless.pk}/"),
        "tag": _elements(reader, "/es/tag/ok/"),
    }
    leaks: list[str] = []
    for payload in PAYLOADS:
        article = _submit(trusted_client, section, payload)
        if article is None:
            continue
        pages = {
            "article": article.get_absolute_url(),
            "editor": f"/es/editor/article/{article.pk}/",
        }
        for kind, url in pages.items():
            client = editor_client if kind == "editor" else reader
            extra = _elements(client, url) - baseline[kind]
            if extra:
                leaks.append(f"{kind} {payload!r}: {sorted(extra)}")
    tag = Tag.objects.get(slug="ok")
    pages = listing_paths("/es/", front_items("es").count())
    pages += listing_paths("/es/tag/ok/", tag_items(tag, "es").count())
    assert len(pages) > 4  # the archive pages are walked too, not just the latest
    for url in pages:
        kind = "tag" if "/tag/" in url else "front"
        extra = _elements(reader, url) - baseline[kind]
        if extra:
            leaks.append(f"{url}: {sorted(extra)}")
    assert leaks == []


def test_revision_diff_escapes_payloads(trusted_client, editor_client, section):
    article = _submit(trusted_client, section, "Texto inicial")
    payloads = [p for p in PAYLOADS if "\x00" not in p][:30]
    for payload in payloads:
        response = trusted_client.post(f"/es/write/{article.pk}/", {
            "title": payload[:200], "lede": "x", "body": payload, "language": "es",
            "section": section.pk, "tags": "", "action": "save",
        })
        assert response.status_code == 302, response.content[:300]
    url = f"/es/editor/article/{article.pk}/revisions/"
    baseline = Counter(executable_content(editor_client.get(url + "?a=1&b=1").content.decode()))
    for number in range(2, 32):
        html = editor_client.get(f"{url}?a={number - 1}&b={number}").content.decode()
        assert Counter(executable_content(html)) - baseline == Counter()
