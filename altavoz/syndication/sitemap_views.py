"""/sitemap.xml, and a sitemap index once the site outgrows one file.

The protocol allows 50,000 URLs per file. Below that, /sitemap.xml is the whole
sitemap; above it, /sitemap.xml becomes an index of /sitemap-<part>-<n>.xml files.
Parts are addresses, not ?p= query strings, so a static mirror can serve them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps import views as django_views
from django.contrib.sites.requests import RequestSite
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from altavoz.syndication.sitemaps import SITEMAPS


def _limited() -> dict:
    limit = settings.ALTAVOZ_SITEMAP_LIMIT
    sitemaps = {}
    for name, cls in SITEMAPS.items():
        sitemap = cls()
        sitemap.limit = limit
        sitemaps[name] = sitemap
    return sitemaps


def sitemap(request: HttpRequest) -> HttpResponse:
    sitemaps = _limited()
    if sum(s.paginator.count for s in sitemaps.values()) <= settings.ALTAVOZ_SITEMAP_LIMIT:
        return django_views.sitemap(request, sitemaps)
    base = f"{request.scheme}://{RequestSite(request).domain}"
    parts = [
        {"location": base + reverse("sitemap_part", args=[name, number])}
        for name, site_map in sitemaps.items()
        for number in site_map.paginator.page_range
    ]
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": parts}, content_type="application/xml"
    )


def sitemap_part(request: HttpRequest, part: str, number: int) -> HttpResponse:
    site_map = _limited().get(part)
    if site_map is None:
        raise Http404(_("There is no such sitemap."))
    try:
        urls = site_map.get_urls(page=number, site=RequestSite(request), protocol=request.scheme)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404(_("There is no such sitemap.")) from exc
    return TemplateResponse(
        request, "sitemap.xml", {"urlset": urls}, content_type="application/xml"
    )
