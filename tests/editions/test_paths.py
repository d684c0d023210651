"""The enumeration's bulk counts agree with the views' own querysets, so every
listing gets exactly its archive pages: one too few and a page is missing from
the edition, one too many and the build stops on a 404."""

from __future__ import annotations

from django.urls import resolve
from django.utils import translation

from altavoz.debate import urls as debate_urls
from altavoz.editions import paths
from altavoz.newsroom import urls as newsroom_urls
from altavoz.newsroom.models import Article, Section, Tag
from altavoz.newsroom.views import public
from altavoz.people.models import Organization, User
from altavoz.syndication import urls as syndication_urls
from tests.conftest import make_article
from tests.editions.site import make_small_site

# Origin-rendered (writing, editing): never in an edition.
_ORIGIN_ONLY = {
    ("newsroom", "submit"), ("newsroom", "edit"), ("newsroom", "mine"),
    ("debate", "new"), ("debate", "reply"), ("debate", "report"),
    ("debate", "editor_queue"), ("debate", "editor_comment"), ("debate", "editor_article"),
    ("debate", "editor_person"),
}


def test_counts_agree_with_the_views_and_every_public_route_is_enumerated(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    site = make_small_site()
    organization = Organization.objects.create(slug="consejo", name="Consejo Comunal")
    other = Section.objects.create(slug="opinion", names={"es": "Opinión", "en": "Opinion"})
    signed = make_article(site.author, other, title="Comunicado del consejo",
                          status=Article.Status.PUBLISHED, organization=organization)
    signed.tags.add(site.tag)
    make_article(None, other, title="Anonymous note", language="en",
                 status=Article.Status.PUBLISHED)

    counts = paths._Counts.load()
    for lang in paths.languages():
        for section in Section.objects.all():
            assert counts.section.get((lang, section.pk), 0) == \
                public.section_items(section, lang).count()
        for tag in Tag.objects.all():
            assert counts.tag.get((lang, tag.pk), 0) == public.tag_items(tag, lang).count()
    for person in User.objects.all():
        assert counts.contributor.get(person.pk, 0) == public.contributor_items(person).count()
    for org in Organization.objects.all():
        assert counts.organization.get(org.pk, 0) == public.organization_items(org).count()

    # Every public route of the URLconf has its paths in the edition: a feed or
    # listing added to urls.py and forgotten in paths.py shows up here.
    routes = {(module.app_name, pattern.name)
              for module in (newsroom_urls, syndication_urls, debate_urls)
              for pattern in module.urlpatterns if not pattern.name.endswith("_page")}
    enumerated = set()
    for path in paths.page_paths():
        prefix = path.split("/")[1]  # i18n_patterns resolve in the active language only
        with translation.override(prefix if prefix in paths.languages() else None):
            match = resolve(path)
        enumerated.add((match.namespace, match.url_name))
    assert routes - enumerated == _ORIGIN_ONLY


def test_people_and_tags_are_only_those_public_articles_name(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    site = make_small_site()
    secret = Tag.objects.create(slug="plan-secreto", name="plan secreto")
    site.draft.tags.add(secret)
    User.objects.create(username="nadie")  # never published anything

    listed = paths.page_paths()
    assert "/es/tag/tierra/" in listed
    assert not any("plan-secreto" in p for p in listed)
    assert "/es/contributor/ana/" in listed
    assert not any("/contributor/nadie/" in p for p in listed)
    assert len(listed) == len(set(listed))
