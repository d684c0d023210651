"""{% attachments_for article %}: an article's pictures as figures and its PDFs as
download links. Public pages are the same bytes for every reader, so nothing
here depends on who is looking."""

from __future__ import annotations

from django import template
from django.core.files.storage import default_storage

from altavoz.attachments.models import Attachment

register = template.Library()

# The article column is 48rem wide less 1rem padding each side (site.css: main).
SIZES = "(min-width: 48rem) 46rem, calc(100vw - 2rem)"
# Browsers without srcset get the rendition closest to a laptop column.
_DEFAULT_WIDTH = 960


def _srcset(renditions: list[dict], key: str) -> str:
    return ", ".join(f"{default_storage.url(r[key])} {r['width']}w" for r in renditions)


def _figure(attachment: Attachment) -> dict:
    renditions = attachment.renditions
    default = min(renditions, key=lambda r: abs(r["width"] - _DEFAULT_WIDTH))
    widest = renditions[-1]
    return {
        "attachment": attachment,
        "webp_srcset": _srcset(renditions, "webp"),
        "fallback_srcset": _srcset(renditions, "fallback"),
        "fallback_type": attachment.content_type,
        "src": default_storage.url(default["fallback"]),
        "width": widest["width"],
        "height": widest["height"],
    }


@register.inclusion_tag("attachments/_public.html")
def attachments_for(article) -> dict:
    found = list(Attachment.objects.filter(article=article)) if article.pk else []
    return {
        "figures": [_figure(a) for a in found if a.is_image and a.renditions],
        "documents": [
            {"attachment": a, "url": default_storage.url(a.file)}
            for a in found if not a.is_image
        ],
        "sizes": SIZES,
    }
