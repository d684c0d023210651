"""robots.txt: crawlers are welcome everywhere public, and nowhere else."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

# Origin-only pages, never part of an edition: crawling them only costs the origin.
_PRIVATE = ["account", "editor", "write", "mine"]


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    # Spelled out per language for crawlers that do not know `*`, and by wildcard
    # for those that do (covering any other prefix too).
    lines += [
        f"Disallow: /{code}/{name}/" for code, _lang in settings.LANGUAGES for name in _PRIVATE
    ]
    lines += [f"Disallow: /*/{name}/" for name in _PRIVATE]
    # Allow last: crawlers that take the first matching rule must see the Disallows first.
    lines += ["Disallow: /manage/", "Allow: /"]
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines += ["", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
