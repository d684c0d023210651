"""The sitemap: front pages, sections and articles, each with its hreflang
alternates so that search engines send readers to the right language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Prefetch, QuerySet
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
        versions = Article.objects.listed().only("id", "group_id", "language", "slug")
        return (
            Article.objects.listed()
            .only("id", "group_id", "language", "slug", "published_at", "updated_at")
            .prefetch_related(Prefetch("group__articles", versions, to_attr="listed_versions"))
            # Oldest first: new articles land on the last sitemap page, earlier pages stay put.
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
        for url in urls:
            versions = [v for v in url["item"].group.listed_versions if v.language in order]
            if len(versions) < 2:
                continue
            versions.sort(key=lambda v: order.index(v.language))
            url["alternates"] = [
                {"lang_code": v.language, "location": base + v.get_absolute_url()}
                for v in versions
            ]
        return urls


SITEMAPS: dict[str, type[Sitemap]] = {
    "front": FrontSitemap,
    "pages": PagesSitemap,
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
}
