"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils import translation

from altavoz.newsroom.models import Section


def site(request: HttpRequest) -> dict:
    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "site_name": settings.ALTAVOZ_SITE_NAME,
        "current_language": current,
        # Default switcher targets: the same page in the other language. Pages whose
        # address differs by language (articles) pass their own `alternates`.
        "language_links": [
            {"code": code, "name": name, "url": translate_url(request.path, code)}
            for code, name in settings.LANGUAGES
        ],
        "nav_sections": _sections(),
    }


def _sections() -> list[Section]:
    return list(Section.objects.all())
