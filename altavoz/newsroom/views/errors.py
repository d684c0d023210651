"""Error pages in the reader's language, with the right status code.

They render without the request context on purpose: the shared context reads
the sections from the database, and a 500 may mean the database is down. The
page must also stay the same bytes for everyone (no session, no CSRF token)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Last resort if even the template cannot be rendered: no template, no database.
_BARE_500 = (
    "<!doctype html><html><head><meta charset='utf-8'><title>500</title></head>"
    "<body><h1>Server error / Error del servidor</h1></body></html>"
)


def _front_pages() -> list[dict[str, str]]:
    links = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            links.append({"code": code, "name": name, "url": reverse("newsroom:front")})
    return links


def _render(status: int, heading: str, message: str) -> HttpResponse:
    context = {
        "status": status,
        "heading": heading,
        "message": message,
        "site_name": settings.ALTAVOZ_SITE_NAME,
        "current_language": translation.get_language() or settings.LANGUAGE_CODE,
        # The page that failed may not exist in the other language: offer its front page.
        "language_links": _front_pages(),
    }
    html = loader.get_template("errors/error.html").render(context)
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(
        400,
        _("This request could not be understood"),
        _("Something in the address or the form was not valid. Check it and try again."),
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # PermissionDenied raised by our own code carries a message meant for people
    # ("Only editors who signed in with two-factor codes may do this.").
    detail = exception.args[0] if exception and exception.args else None
    return _render(
        403,
        _("You may not do this"),
        str(detail) if isinstance(detail, str | Promise) and detail else _(
            "This page is only for people with a different role. If you think you should "
            "have access, sign in with that account or ask the editors."
        ),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(
        404,
        _("Page not found"),
        _("There is nothing at this address. It may have been mistyped, or the article "
          "may not be published yet. Try the front page or a search."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _render(
            500,
            _("Something went wrong on our side"),
            _("The page could not be made just now. Nothing you did caused it; please try "
              "again in a few minutes."),
        )
    except Exception:  # the error page itself failed: answer something, still a 500
        logger.exception("error page could not be rendered")
        return HttpResponse(_BARE_500, status=500)
