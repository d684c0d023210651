from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "altavoz.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.db.models.signals import (
            m2m_changed,
            post_delete,
            post_migrate,
            post_save,
            pre_delete,
            pre_save,
        )

        from altavoz.newsroom.models import Article, Section, Tag
        from altavoz.search import indexing

        # dispatch_uid: connected once, however often ready() runs (tests).
        post_save.connect(indexing.article_saved, sender=Article, dispatch_uid="search-article")
        post_delete.connect(indexing.article_deleted, sender=Article,
                            dispatch_uid="search-article-deleted")
        m2m_changed.connect(indexing.tags_changed, sender=Article.tags.through,
                            dispatch_uid="search-tags")
        post_save.connect(indexing.tag_saved, sender=Tag, dispatch_uid="search-tag")
        pre_delete.connect(indexing.tag_deleting, sender=Tag, dispatch_uid="search-tag-deleting")
        post_delete.connect(indexing.tag_deleted, sender=Tag, dispatch_uid="search-tag-deleted")
        pre_save.connect(indexing.section_saving, sender=Section,
                         dispatch_uid="search-section-saving")
        post_save.connect(indexing.section_saved, sender=Section, dispatch_uid="search-section")
        post_migrate.connect(indexing.prune_after_migrate, sender=self,
                             dispatch_uid="search-prune")
