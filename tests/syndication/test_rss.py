"""RSS 2.0 beside every Atom listing feed: same entries, same stable ids."""

from __future__ import annotations

import feedparser
import pytest


@pytest.mark.parametrize("kind", ["section", "tag", "contributor", "organization", "site"])
def test_rss_twin_of_each_atom_feed(client, publish, organization, contributor, kind):
    article = publish("Reforma agraria en debate", organization=None)
    article.tags.create(slug="tierra", name="tierra")
    signed = publish("Comunicado del consejo", organization=organization)
    base = {
        "section": f"/es/section/{article.section.slug}/feed/",
        "tag": "/es/tag/tierra/feed/",
        "contributor": f"/es/contributor/{contributor.username}/feed/",
        "organization": f"/es/organization/{organization.slug}/feed/",
        "site": "/es/feed/",
    }[kind]
    atom = feedparser.parse(client.get(base).content)
    rss = feedparser.parse(client.get(base + "rss/").content)
    assert not atom.bozo and not rss.bozo
    assert rss.version == "rss20" and atom.version == "atom10"
    assert [e.id for e in rss.entries] == [e.id for e in atom.entries]
    assert rss.entries, kind
    if kind == "organization":
        assert [e.title for e in rss.entries] == [signed.title]
