"""The workflow rules themselves, without HTTP: who publishes directly, who may
moderate, slugs, tags and the submitter history shown in the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from altavoz.newsroom import workflow
from altavoz.newsroom.models import Article, ModerationEntry, Tag
from altavoz.people.models import Membership, Organization, User
from tests.conftest import make_article, make_user

Status = Article.Status


def verified(user: User) -> User:
    """What django_otp's middleware does for a session that passed TOTP."""
    user.is_verified = lambda: True
    return user


def test_contributor_submission_waits_in_queue(contributor, section):
    article = workflow.submit(make_article(contributor, section), contributor)
    assert article.status == Status.PENDING
    assert article.submitted_at is not None
    assert not Article.objects.public().filter(pk=article.pk).exists()


def test_trusted_submission_is_published(trusted, section):
    article = workflow.submit(make_article(trusted, section), trusted)
    assert article.status == Status.PUBLISHED
    assert Article.objects.listed().filter(pk=article.pk).exists()


def test_verified_organization_publisher_publishes_directly(contributor, organization, section):
    article = make_article(contributor, section, organization=organization)
    assert workflow.submit(article, contributor).status == Status.PUBLISHED


def test_unverified_organization_publisher_waits(contributor, organization, section):
    organization.verified = False
    organization.save()
    article = make_article(contributor, section, organization=organization)
    assert workflow.submit(article, contributor).status == Status.PENDING


def test_plain_member_of_verified_organization_waits(section):
    member = make_user("dora")
    org = Organization.objects.create(slug="sindicato", name="Sindicato", kind="union",
                                      verified=True)
    Membership.objects.create(organization=org, user=member, role=Membership.Role.MEMBER)
    article = make_article(member, section, organization=org)
    assert workflow.submit(article, member).status == Status.PENDING


def test_anonymous_submission_always_waits(section):
    assert workflow.submit(make_article(None, section), None).status == Status.PENDING


def test_approve_logs_the_editor(editor, contributor, section):
    article = workflow.submit(make_article(contributor, section), contributor)
    workflow.approve(article, verified(editor))
    entry = ModerationEntry.objects.get(article=article)
    assert (entry.action, entry.actor, entry.actor_role) == ("approve", editor, "editor")
    assert Article.objects.listed().filter(pk=article.pk).exists()


def test_scheduled_approval(editor, contributor, section):
    article = workflow.submit(make_article(contributor, section), contributor)
    later = timezone.now() + timedelta(hours=3)
    workflow.approve(article, verified(editor), at=later)
    assert article.is_scheduled
    assert ModerationEntry.objects.get(article=article).action == "schedule"
    assert not Article.objects.public().filter(pk=article.pk).exists()


def test_unverified_editor_cannot_act(editor, contributor, section):
    article = workflow.submit(make_article(contributor, section), contributor)
    for action in (workflow.approve, workflow.reject, workflow.feature, workflow.unfeature):
        with pytest.raises(PermissionDenied):
            action(article, editor)
    with pytest.raises(PermissionDenied):
        workflow.hide(article, editor, "reason")
    with pytest.raises(PermissionDenied):
        workflow.log_edit(article, editor)
    assert not workflow.may_moderate(editor)
    article.refresh_from_db()
    assert article.status == Status.PENDING
    assert not ModerationEntry.objects.exists()


def test_contributor_cannot_moderate(contributor, section):
    article = workflow.submit(make_article(contributor, section), contributor)
    with pytest.raises(PermissionDenied):
        workflow.approve(article, verified(contributor))


def test_hide_needs_a_reason(editor, trusted, section):
    article = workflow.submit(make_article(trusted, section), trusted)
    with pytest.raises(ValidationError):
        workflow.hide(article, verified(editor), "   ")
    workflow.hide(article, editor, "Datos personales de terceros")
    article.refresh_from_db()
    assert article.status == Status.HIDDEN
    assert article.hidden_reason == "Datos personales de terceros"
    entry = ModerationEntry.objects.get(article=article)
    assert (entry.action, entry.reason) == ("hide", "Datos personales de terceros")


def test_may_edit(contributor, trusted, editor, section):
    own = make_article(contributor, section)
    assert workflow.may_edit(contributor, own)
    assert not workflow.may_edit(trusted, own)
    assert not workflow.may_edit(editor, own)  # not verified yet
    assert workflow.may_edit(verified(editor), own)
    own.status = Status.PUBLISHED
    assert not workflow.may_edit(contributor, own)
    assert not workflow.may_edit(None, own)


def test_record_revision_numbers(contributor, section):
    article = make_article(contributor, section)
    assert workflow.record_revision(article, contributor).number == 1
    article.title = "Otro"
    revision = workflow.record_revision(article, contributor)
    assert (revision.number, revision.title, revision.made_by) == (2, "Otro", contributor)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Asamblea campesina en Barinas", "asamblea-campesina-en-barinas"),
        ("¿Qué pasó en el Zulia?", "que-paso-en-el-zulia"),
        ("¡¡¡!!!", "article-1"),
        ("文字", "article-1"),
    ],
)
def test_unique_slug_from_title(db, title, expected):
    assert workflow.unique_slug(title, "es") == expected


def test_unique_slug_suffixes_per_language(contributor, section):
    make_article(contributor, section, title="Paro", slug="paro")
    make_article(contributor, section, title="Paro", slug="paro-2")
    assert workflow.unique_slug("Paro", "es") == "paro-3"
    assert workflow.unique_slug("Paro", "en") == "paro"
    make_article(contributor, section, title="!!", slug="article-1")
    assert workflow.unique_slug("!!", "es") == "article-2"


def test_unique_slug_is_bounded(db):
    assert len(workflow.unique_slug("palabra " * 100, "es")) <= 100


def test_set_tags_reuses_by_slug(contributor, section):
    Tag.objects.create(slug="educacion", name="Educación")
    article = make_article(contributor, section)
    workflow.set_tags(article, [("educacion", "EDUCACION"), ("agua", "agua")])
    assert sorted(article.tags.values_list("name", flat=True)) == ["Educación", "agua"]


def test_submitter_history_counts(contributor, editor, section):
    make_article(contributor, section, title="Uno", status=Status.PUBLISHED)
    make_article(contributor, section, title="Dos", status=Status.PUBLISHED)
    make_article(contributor, section, title="Tres", status=Status.HIDDEN)
    make_article(contributor, section, title="Cuatro", status=Status.REJECTED)
    make_article(contributor, section, title="Cinco", status=Status.PENDING)
    assert workflow.submitter_history(contributor) == {"published": 2, "hidden": 1, "rejected": 1}
    assert workflow.submitter_history(None) == {"published": 0, "hidden": 0, "rejected": 0}
    histories = workflow.submitter_histories([contributor.pk, editor.pk, None])
    assert histories[editor.pk] == {"published": 0, "hidden": 0, "rejected": 0}
    assert histories[contributor.pk]["published"] == 2
