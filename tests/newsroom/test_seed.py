"""`altavoz seed`: enough of everything for a realistic demo, the same for the same seed."""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter

import pytest
from django.contrib.auth.hashers import check_password
from django.db import transaction
from rich.console import Console

from altavoz.newsroom.markdown import render_markdown
from altavoz.newsroom.models import Article, ModerationEntry, Revision, Section, TranslationGroup
from altavoz.newsroom.seed import REFERENCE, seed
from altavoz.people.models import Membership, Organization, User

Status = Article.Status
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?![\w:])|::[0-9a-f]{1,4}")


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """One 300-article seed shared by TestDefaultSeed's read-only checks, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        console = Console(file=io.StringIO(), width=100)
        report = seed(articles=300, seed_value=1, console=console)
        yield report, console.file.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded_db(seeded, db):
    return seeded


def _digest() -> str:
    rows = Article.objects.order_by("language", "slug").values_list(
        "language", "slug", "title", "status", "published_at", "updated_at", "body",
        "section__slug", "author__username", "organization__slug", "group__uuid", "featured",
    )
    tags = Article.tags.through.objects.order_by("article__language", "article__slug", "tag__slug")
    tags = tags.values_list("article__slug", "tag__slug")
    return hashlib.sha256(repr([list(rows), list(tags)]).encode()).hexdigest()


def _seed_digest(articles: int, seed_value: int) -> str:
    """Seed in a savepoint, digest, roll back: the next run starts from the same state."""
    with transaction.atomic():
        seed(articles=articles, seed_value=seed_value)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


class TestDefaultSeed:
    """The 300-article default meets every minimum the demo and the tests rely on."""

    def test_default_seed_meets_the_minimums(self, seeded_db):
        report, _output = seeded_db
        assert Article.objects.count() == 300 == report.articles
        statuses = Counter(Article.objects.values_list("status", flat=True))
        assert statuses[Status.PUBLISHED] >= 240
        assert statuses[Status.HIDDEN] >= 5
        assert statuses[Status.PENDING] >= 5
        assert statuses[Status.REJECTED] >= 1
        assert statuses[Status.DRAFT] >= 1
        assert 6 <= Article.objects.filter(featured=True, status=Status.PUBLISHED).count() <= 10
        languages = Counter(Article.objects.values_list("language", flat=True))
        assert languages["es"] >= 150 and languages["en"] >= 60
        assert Section.objects.count() >= 6
        assert Article.objects.values("section").distinct().count() >= 5
        assert dict(report.by_status) == dict(statuses)


    def test_people_and_organizations(self, seeded_db):
        assert User.objects.count() >= 30
        roles = Counter(User.objects.values_list("role", flat=True))
        assert roles[User.Role.CONTRIBUTOR] > roles[User.Role.TRUSTED] > 0
        assert roles[User.Role.EDITOR] == 2 and roles[User.Role.ADMIN] == 1
        assert User.objects.get(role=User.Role.ADMIN).is_staff
        # Only the two demo accounts can sign in.
        usable = [u.username for u in User.objects.all() if u.has_usable_password()]
        assert sorted(usable) == ["editora", "lector"]
        editora = User.objects.get(username="editora")
        assert editora.role == User.Role.EDITOR
        assert check_password("altavoz-demo-editora", editora.password)
        assert User.objects.get(username="lector").role == User.Role.CONTRIBUTOR

        assert Organization.objects.count() >= 10
        assert Organization.objects.values("kind").distinct().count() == len(Organization.Kind)
        assert Organization.objects.filter(verified=True).exists()
        assert Organization.objects.filter(verified=False).exists()
        member_roles = set(Membership.objects.values_list("role", flat=True))
        assert member_roles == set(Membership.Role.values)
        for org in Organization.objects.all():
            assert org.membership_set.filter(role=Membership.Role.COORDINATOR).count() == 1
        signed = Article.objects.filter(organization__isnull=False)
        assert signed.exists()
        for article in signed.select_related("organization", "author"):
            if article.author is not None:
                assert Membership.objects.filter(
                    organization=article.organization, user=article.author,
                    role__in=[Membership.Role.PUBLISHER, Membership.Role.COORDINATOR],
                ).exists()


    def test_translation_pairs(self, seeded_db):
        report, _output = seeded_db
        pairs = TranslationGroup.objects.filter(articles__isnull=False).distinct()
        pairs = [g for g in pairs if g.articles.count() == 2]
        assert len(pairs) == report.translation_pairs >= 20
        for group in pairs:
            es, en = group.articles.get(language="es"), group.articles.get(language="en")
            assert es.title != en.title
            assert set(es.tags.values_list("slug", flat=True)) == set(
                en.tags.values_list("slug", flat=True))
            # Actually in each language, not one text twice.
            assert re.search(r"\b(la|el|los|las|de|que)\b", es.body)
            assert re.search(r"\b(the|and|of|to)\b", en.body)
            assert not re.search(r"\b(the|and)\b", es.body)
        assert TranslationGroup.objects.count() == Article.objects.count() - len(pairs)


    def test_hidden_articles_have_public_reasons_and_log_entries(self, seeded_db):
        hidden = Article.objects.filter(status=Status.HIDDEN)
        assert hidden.exists()
        for article in hidden:
            assert article.hidden_reason.strip()
            entry = article.moderation.get(action=ModerationEntry.Action.HIDE)
            assert entry.reason == article.hidden_reason
            assert entry.actor.is_editor and entry.actor_role == entry.actor.role
            assert entry.created_at >= article.published_at
        for article in Article.objects.filter(status=Status.REJECTED):
            assert article.moderation.filter(action=ModerationEntry.Action.REJECT).exists()
        featured = Article.objects.filter(featured=True)
        assert all(a.moderation.filter(action="feature").exists() for a in featured)


    def test_dates_tags_and_revisions(self, seeded_db):
        published = Article.objects.filter(status__in=[Status.PUBLISHED, Status.HIDDEN])
        dates = list(published.values_list("published_at", flat=True))
        assert max(dates) <= REFERENCE
        assert (REFERENCE - min(dates)).days >= 600  # spread over about two years
        later = [a for a in published if a.updated_at > a.published_at]
        assert len(later) > 20
        pending = Article.objects.filter(status=Status.PENDING)
        assert not pending.filter(published_at__isnull=False).exists()
        assert not pending.filter(submitted_at__isnull=True).exists()
        drafts = Article.objects.filter(status=Status.DRAFT)
        assert not drafts.filter(submitted_at__isnull=False).exists()
        tag_counts = Counter(
            Article.tags.through.objects.values_list("article_id", flat=True))
        spam = set(Article.objects.filter(status=Status.REJECTED).values_list("id", flat=True))
        for article_id in Article.objects.exclude(id__in=spam).values_list("id", flat=True):
            assert 1 <= tag_counts[article_id] <= 4
        assert len(set(Article.tags.through.objects.values_list("tag_id", flat=True))) >= 30
        assert Revision.objects.count() == 300
        assert not Revision.objects.exclude(number=1).exists()
        for language in ("es", "en"):
            slugs = list(Article.objects.filter(language=language).values_list("slug", flat=True))
            assert len(slugs) == len(set(slugs))
            assert all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs)


    def test_bodies_are_realistic_markdown_rendered_like_save(self, seeded_db):
        bodies = list(Article.objects.values_list("body", "body_html"))
        for body, html in bodies:
            assert html == render_markdown(body)
            assert "<script" not in html
        html = "\n".join(h for _b, h in bodies)
        for tag in ("<h2>", "<ul>", "<ol>", "<blockquote>", "<strong>", "<table>"):
            assert tag in html
        assert 'href="https://' in html
        assert 'href="http://' not in html
        paragraphs = [b.count("\n\n") for b, _h in bodies]
        assert min(paragraphs) >= 2 and max(paragraphs) >= 9
        titles = Article.objects.values_list("title", flat=True)
        assert len(set(titles)) >= 280  # varied, not one template repeated
        spanish = Article.objects.filter(language="es").values_list("title", "lede", "body")
        assert not any(re.search(r"\b(a|de) el\b", " ".join(row)) for row in spanish)
        assert not any("{" in b for b, _h in bodies)  # every slot filled


    def test_no_ip_like_strings_anywhere(self, seeded_db):
        texts = []
        for a in Article.objects.all():
            texts += [a.title, a.lede, a.body, a.body_html, a.hidden_reason]
        texts += list(ModerationEntry.objects.values_list("reason", flat=True))
        texts += list(Revision.objects.values_list("body", flat=True))
        for u in User.objects.all():
            texts += [u.username, u.display_name, u.bio, u.email]
        texts += list(Organization.objects.values_list("description", flat=True))
        joined = "\n".join(texts)
        assert not IPV4.search(joined), IPV4.search(joined)
        assert not IPV6.search(joined), IPV6.search(joined)


    def test_report_summary(self, seeded_db):
        report, output = seeded_db
        summary = report.summary()
        assert "300 articles" in summary and "articles/s" in summary
        assert "altavoz-demo-editora" in summary and "altavoz-demo-lector" in summary
        assert "TOTP" in summary and "change" in summary
        assert f"translation pairs: {report.translation_pairs}" in summary
        assert report.contributors >= 30 and report.organizations >= 10
        assert report.seconds > 0 and report.articles_per_second > 0
        assert "300/300" in output  # the progress bar ran on the given console


def test_same_seed_same_content_other_seed_other_content(db):
    first = _seed_digest(120, seed_value=7)
    assert _seed_digest(120, seed_value=7) == first
    assert _seed_digest(120, seed_value=8) != first


def test_seeding_again_appends_without_collisions(db):
    first = seed(articles=60, seed_value=3)
    assert [name for name, *_ in first.demo_created] == ["editora", "lector"]
    again = seed(articles=60, seed_value=3)
    assert Article.objects.count() == 120
    assert again.demo_created == [] and again.demo_existing == ["editora", "lector"]
    assert "altavoz-demo-editora" not in again.summary()
    assert "already present" in again.summary()
    assert User.objects.filter(username="editora").count() == 1
    for language in ("es", "en"):
        slugs = list(Article.objects.filter(language=language).values_list("slug", flat=True))
        assert len(slugs) == len(set(slugs))
    assert Organization.objects.count() == first.organizations + again.organizations


def test_small_and_empty_seeds(db):
    report = seed(articles=0, seed_value=1)
    assert report.articles == 0 and Article.objects.count() == 0
    report = seed(articles=5, seed_value=2, batch_size=2)
    assert Article.objects.count() == 5 and Revision.objects.count() == 5
    with pytest.raises(ValueError):
        seed(articles=-1)


def test_cli_seed_and_if_empty(db, capsys):
    from altavoz.cli import main

    assert main(["seed", "--articles", "12", "--seed", "5"]) == 0
    assert Article.objects.count() == 12
    assert main(["seed", "--articles", "12", "--if-empty"]) == 0
    assert Article.objects.count() == 12
