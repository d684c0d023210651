"""The sitemap: front pages, sections and articles, each with its hreflang
alternates so that search engines send readers to the right language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from altavoz.newsroom.models import Article, Section


class FrontSitemap(Sitemap):
    """The front page in every language; x-default is "/", which sends each
    reader to the language their browser asks for."""

    i18n = True
    alternates = True
    x_default = True
    changefreq = "hourly"
    priority = 1.0

    def items(self) -> list[str]:
        return ["newsroom:front"]

    def location(self, item: str) -> str:
        return reverse(item)


class PagesSitemap(Sitemap):
    i18n = True
    alternates = True
    changefreq = "monthly"
    priority = 0.3

    def items(self) -> list[str]:
        return ["newsroom:about", "newsroom:organizations"]

    def location(self, item: str) -> str:
        return reverse(item)


class SectionSitemap(Sitemap):
    i18n = True
    alternates = True
    changefreq = "hourly"
    priority = 0.8

    def items(self) -> QuerySet[Section]:
        return Section.objects.order_by("position", "slug")

    def location(self, item: Section) -> str:
        return reverse("newsroom:section", args=[item.slug])


class ArticleSitemap(Sitemap):
    """Listed articles. Each exists in its own language only, so the i18n
    machinery does not fit: alternates come from the translation group."""

    priority = 0.6

    def items(self) -> QuerySet[Article]:
        # Oldest first: new articles land on the last sitemap page, earlier pages stay put.
        return (
            Article.objects.listed()
            .only("id", "group_id", "language", "slug", "published_at", "updated_at")
            .order_by("pk")
        )

    def location(self, item: Article) -> str:
        return item.get_absolute_url()

    def lastmod(self, item: Article):
        return max(item.updated_at, item.published_at)

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        order = [code for code, _name in settings.LANGUAGES]
        versions = _versions_by_group({url["item"].group_id for url in urls})
        for url in urls:
            found = [v for v in versions.get(url["item"].group_id, []) if v.language in order]
            if len(found) < 2:
                continue
            found.sort(key=lambda v: order.index(v.language))
            url["alternates"] = [
                {"lang_code": v.language, "location": base + v.get_absolute_url()}
                for v in found
            ]
        return urls


# SQLite refuses very long IN lists ("Expression tree is too large"); a sitemap
# page holds up to 50,000 articles, so their translation groups are read in chunks.
_CHUNK = 500


def _versions_by_group(group_ids: set[int]) -> dict[int, list[Article]]:
    ids = sorted(group_ids)
    versions: dict[int, list[Article]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        query = Article.objects.listed().filter(group_id__in=chunk)
        for version in query.only("id", "group_id", "language", "slug"):
            versions.setdefault(version.group_id, []).append(version)
    return versions


SITEMAPS: dict[str, type[Sitemap]] = {
    "front": FrontSitemap,
    "pages": PagesSitemap,
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
}
