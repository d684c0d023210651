"""{% comments_for article %}: the public thread under an article.

It takes no template context on purpose: the thread becomes part of the
edition, so nothing about the reader (session, CSRF token) may reach it.
Writing happens on origin pages that the plain links here lead to.
"""

from __future__ import annotations

from django import template
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from altavoz.debate.services import check_open
from altavoz.debate.thread import public_thread
from altavoz.newsroom.models import Article

register = template.Library()


@register.inclusion_tag("debate/thread.html")
def comments_for(article: Article) -> dict:
    try:
        check_open(article)
    except ValidationError:
        is_open = False
    else:
        is_open = True
    with translation.override(article.language):
        new_url = reverse("debate:new", args=[article.slug])
        feed_url = reverse("syndication:article_comments", args=[article.slug])
    return {
        "article": article,
        "thread": public_thread(article),
        "open": is_open,
        "moderated": article.comments == Article.Comments.MODERATED,
        "new_url": new_url,
        "feed_url": feed_url,
    }


@register.simple_tag
def comment_feed_url(article: Article) -> str:
    """For the one <link rel="alternate"> line in the article page's <head>."""
    with translation.override(article.language):
        return reverse("syndication:article_comments", args=[article.slug])
