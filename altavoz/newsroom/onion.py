"""`Onion-Location` on origin-rendered pages, when the site has an onion address.

Tor Browser offers the onion service to a reader who reaches the site through an
exit (it honours the header on HTTPS pages). Edition pages get the header from
the edge, from the edition's site-level onion address: a per-page copy in every
manifest entry would only add bytes (render.py leaves it out of the manifest).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse


class OnionLocationMiddleware:
    """Adds `Onion-Location: http://<onion>/<same path and query>` to HTML answers to
    GET (and HEAD, which must carry GET's headers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.onion = settings.ALTAVOZ_ONION_ADDRESS
        if not self.onion:
            raise MiddlewareNotUsed  # no cost at all when there is no onion service
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (request.method in ("GET", "HEAD")
                and response.get("Content-Type", "").startswith("text/html")
                and not response.has_header("Onion-Location")
                and request.META.get("HTTP_HOST", "").split(":")[0].lower() != self.onion):
            response["Onion-Location"] = f"http://{self.onion}{request.get_full_path()}"
        return response
