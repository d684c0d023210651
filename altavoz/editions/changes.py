"""Signal receivers that queue what changed for the publisher (models.PendingChange).

Explicit dependency tracking starts here: each kind of change names what it
touches (an article, an article's comment thread, or everything), and
publish.py turns that into the exact pages to render again.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from altavoz.editions.models import PendingChange

ARTICLE = PendingChange.Kind.ARTICLE
THREAD = PendingChange.Kind.THREAD
FULL = PendingChange.Kind.FULL
# The fields of a person that public pages print (bylines, contributor pages).
_PERSON_FIELDS = ("username", "display_name", "bio")


def record(kind: str, object_id: int | None = None) -> None:
    PendingChange.objects.create(kind=kind, object_id=object_id)


def _article(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        record(ARTICLE, instance.pk)


def _article_tags(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any,
                  **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if reverse:  # tag.articles.add(…): the articles are the ones named
        for pk in pk_set or ():
            record(ARTICLE, pk)
    else:
        record(ARTICLE, instance.pk)


def _by_article(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Attachments and moderation entries: their article's pages show them."""
    if not raw and instance.article_id:
        record(ARTICLE, instance.article_id)


def _thread(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.article_id:
        record(THREAD, instance.article_id)


def _everything(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        record(FULL)


def _tag_saved(sender: Any, instance: Any, raw: bool = False, created: bool = False,
               **kwargs: Any) -> None:
    """A new tag shows nowhere until an article names it (an article change)."""
    if not raw and not created:
        record(FULL)


def _person_saving(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Remember what the person's public name was: a log-in saves the user too,
    and must not rebuild the site."""
    if raw or instance.pk is None:
        return
    old = sender.objects.filter(pk=instance.pk).values(*_PERSON_FIELDS).first()
    instance._edition_name = old


def _person_saved(sender: Any, instance: Any, raw: bool = False, created: bool = False,
                  **kwargs: Any) -> None:
    old = getattr(instance, "_edition_name", None)
    if raw or created or old is None:
        return
    if any(old[name] != getattr(instance, name) for name in _PERSON_FIELDS):
        from altavoz.newsroom.models import Article

        if Article.objects.filter(author=instance).exists():
            record(FULL)


def connect() -> None:
    from altavoz.attachments.models import Attachment
    from altavoz.debate.models import Comment, CommentModeration
    from altavoz.newsroom.models import Article, ModerationEntry, Section, Tag
    from altavoz.people.models import Organization, User

    def on(signal: Any, receiver: Any, sender: Any) -> None:
        signal.connect(receiver, sender=sender, weak=False,
                       dispatch_uid=f"editions-{signal_name(signal)}-{sender.__name__}")

    on(post_save, _article, Article)
    on(post_delete, _article, Article)
    m2m_changed.connect(_article_tags, sender=Article.tags.through, weak=False,
                        dispatch_uid="editions-tags")
    for model in (Attachment, ModerationEntry):
        on(post_save, _by_article, model)
        on(post_delete, _by_article, model)
    for model in (Comment, CommentModeration):
        on(post_save, _thread, model)
        on(post_delete, _thread, model)
    for model in (Section, Tag, Organization):
        on(post_save, _tag_saved if model is Tag else _everything, model)
        on(post_delete, _everything, model)
    on(pre_save, _person_saving, User)
    on(post_save, _person_saved, User)


def signal_name(signal: Any) -> str:
    for name in ("post_save", "post_delete", "pre_save"):
        if signal is globals()[name]:
            return name
    return "signal"
