"""The Atom feed of one article's comments (served at
/<lang>/article/<slug>/comments/feed/, routed in syndication/urls.py).

Entry ids are the comments' own `urn:uuid:` names: stable across edits,
moderation, and moves to another domain or onion address, like article ids.
Only published comments are entries; a hidden one leaves the feed.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from altavoz.debate.models import Comment
from altavoz.newsroom.models import Article
from altavoz.syndication.stable import StableAtom

# Public names are free text; one control character would make the whole feed invalid XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Feed readers poll; the newest fifty answer "what is new" for any active thread.
FEED_SIZE = 50


class ArticleCommentsAtom(Feed):
    feed_type = StableAtom

    def get_object(self, request: HttpRequest, slug: str) -> Article:
        language = translation.get_language() or settings.LANGUAGE_CODE
        try:
            found = Article.objects.public().select_related("group")
            return found.get(language=language, slug=slug)
        except Article.DoesNotExist as exc:
            raise Http404(_("There is no article at this address.")) from exc

    def title(self, article: Article) -> str:
        return _("Comments on “%(title)s”") % {"title": _NOT_XML.sub("", article.title)}

    def link(self, article: Article) -> str:
        return f"{article.get_absolute_url()}#comments"

    def subtitle(self, article: Article) -> str:
        return _("Published comments on %(site)s, newest first") % {
            "site": settings.ALTAVOZ_SITE_NAME
        }

    def feed_guid(self, article: Article) -> str:
        return uuid.uuid5(article.group.uuid, f"{article.language}/comments").urn

    def items(self, article: Article) -> list[Comment]:
        comments = list(
            Comment.objects.filter(article=article, status=Comment.Status.PUBLISHED)
            .select_related("author")
            .order_by("-created_at", "-id")[:FEED_SIZE]
        )
        for comment in comments:
            comment.article = article  # every entry links into this one article
        return comments

    def item_title(self, item: Comment) -> str:
        return _("Comment by %(name)s") % {"name": self.item_author_name(item)}

    def item_description(self, item: Comment) -> str:
        return _NOT_XML.sub("", item.body_html)  # comments from before the input rule

    def item_link(self, item: Comment) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Comment) -> str:
        return item.uuid.urn

    item_guid_is_permalink = False

    def item_pubdate(self, item: Comment) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Comment) -> datetime:
        return item.created_at

    def item_author_name(self, item: Comment) -> str:
        return _NOT_XML.sub("", item.author.public_name) if item.author else _("anonymous")
