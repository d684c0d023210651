"""The open-publishing workflow, Indymedia's model made modern.

draft → pending → published (→ featured); published ⇄ hidden (public, with a reason);
pending → rejected (spam, never public). Trusted contributors and verified
organizations' publishers skip the queue. Every editor action lands in the
moderation log in the same transaction as the change itself.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from altavoz.newsroom.models import Article, ModerationEntry, Revision, Tag
from altavoz.people.models import Membership, User

Status = Article.Status
Action = ModerationEntry.Action


def may_moderate(user: User | None) -> bool:
    """Editors and admins, and only after TOTP in this session."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_editor
        and getattr(user, "is_verified", lambda: False)()
    )


def _require_editor(user: User | None) -> None:
    if not may_moderate(user):
        raise PermissionDenied(_("Only editors who signed in with two-factor codes may do this."))


def publishes_directly(user: User | None, article: Article) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.publishes_directly:
        return True
    org = article.organization
    return bool(
        org is not None
        and org.verified
        and Membership.objects.filter(
            organization=org, user=user,
            role__in=[Membership.Role.PUBLISHER, Membership.Role.COORDINATOR],
        ).exists()
    )


def may_sign_for(user: User, organization) -> bool:
    return Membership.objects.filter(
        organization=organization, user=user,
        role__in=[Membership.Role.PUBLISHER, Membership.Role.COORDINATOR],
    ).exists()


def may_edit(user: User | None, article: Article) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if may_moderate(user):
        return True
    if article.author_id != user.pk:
        return False
    # Once public, only those who publish without review may change it: an
    # approved article must not turn into something else behind the editors' back.
    if article.status in {Status.DRAFT, Status.PENDING}:
        return True
    return article.status == Status.PUBLISHED and publishes_directly(user, article)


def record_revision(article: Article, by: User | None, note: str = "") -> Revision:
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return Revision.objects.create(
        article=article, number=last + 1, title=article.title, lede=article.lede,
        body=article.body, made_by=by if by and by.is_authenticated else None, note=note,
    )


# Room under Article.slug's 120 characters for a "-NNN" suffix.
_SLUG_BASE_CHARS = 100


def unique_slug(title: str, language: str, exclude_pk: int | None = None) -> str:
    """An ASCII slug from the title, free in this language: "title", "title-2"…

    A title with no letters or digits in ASCII ("¡¡¡!!!", "文字") gets
    "article-1", "article-2"… so every article still has an address.
    """
    base = slugify(title)[:_SLUG_BASE_CHARS].strip("-")
    fallback = not base
    if fallback:
        base = "article"
    taken = set(
        Article.objects.filter(language=language, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if not fallback and base not in taken:
        return base
    n = 1 if fallback else 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def set_tags(article: Article, tags: list[tuple[str, str]]) -> None:
    """Attach tags given as (slug, name); the first spelling of a tag names it."""
    objects = []
    for slug, name in tags:
        tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
        objects.append(tag)
    article.tags.set(objects)


def _log(article: Article, action: str, by: User, reason: str = "") -> ModerationEntry:
    return ModerationEntry.objects.create(
        article=article, action=action, reason=reason, actor=by, actor_role=by.role
    )


@transaction.atomic
def submit(article: Article, by: User | None) -> Article:
    """Send a draft on its way: straight to the site, or into the queue."""
    if article.status not in {Status.DRAFT, Status.PENDING}:
        raise ValidationError(_("Only drafts can be submitted."))
    now = timezone.now()
    article.submitted_at = article.submitted_at or now
    if publishes_directly(by, article):
        article.status = Status.PUBLISHED
        article.published_at = article.published_at or now
    else:
        article.status = Status.PENDING
    article.updated_at = now
    article.save()
    return article


@transaction.atomic
def approve(article: Article, by: User, reason: str = "", at: datetime | None = None) -> Article:
    _require_editor(by)
    if article.status not in {Status.PENDING, Status.REJECTED, Status.DRAFT}:
        raise ValidationError(_("Only articles waiting for review can be approved."))
    now = timezone.now()
    article.status = Status.PUBLISHED
    article.published_at = at or now
    article.updated_at = now
    article.save()
    _log(article, Action.SCHEDULE if at and at > now else Action.APPROVE, by, reason)
    return article


@transaction.atomic
def reject(article: Article, by: User, reason: str = "") -> Article:
    _require_editor(by)
    if article.status != Status.PENDING:
        raise ValidationError(_("Only articles waiting for review can be rejected."))
    article.status = Status.REJECTED
    article.featured = False
    article.save()
    _log(article, Action.REJECT, by, reason)
    return article


@transaction.atomic
def hide(article: Article, by: User, reason: str) -> Article:
    _require_editor(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Hiding needs a public reason: readers will see it."))
    if article.status != Status.PUBLISHED:
        raise ValidationError(_("Only published articles can be hidden."))
    article.status = Status.HIDDEN
    article.hidden_reason = reason
    article.featured = False
    article.save()
    _log(article, Action.HIDE, by, reason)
    return article


@transaction.atomic
def unhide(article: Article, by: User, reason: str = "") -> Article:
    _require_editor(by)
    if article.status != Status.HIDDEN:
        raise ValidationError(_("Only hidden articles can be restored."))
    article.status = Status.PUBLISHED
    article.hidden_reason = ""
    article.save()
    _log(article, Action.UNHIDE, by, reason)
    return article


@transaction.atomic
def feature(article: Article, by: User, reason: str = "") -> Article:
    _require_editor(by)
    if article.status != Status.PUBLISHED:
        raise ValidationError(_("Only published articles can be featured."))
    article.featured = True
    article.featured_at = timezone.now()
    article.save()
    _log(article, Action.FEATURE, by, reason)
    return article


@transaction.atomic
def unfeature(article: Article, by: User, reason: str = "") -> Article:
    _require_editor(by)
    article.featured = False
    article.save()
    _log(article, Action.UNFEATURE, by, reason)
    return article


@transaction.atomic
def log_edit(article: Article, by: User, note: str = "") -> ModerationEntry:
    """An editor changed somebody else's text: readers may see that it happened."""
    _require_editor(by)
    return _log(article, Action.EDIT, by, note)


BULK_ACTIONS = {
    "approve": approve,
    "reject": reject,
    "feature": feature,
    "unfeature": unfeature,
}


def submitter_history(user: User | None) -> dict[str, int]:
    """Counts shown beside each queued article: an editor's first clue."""
    if user is None:
        return {"published": 0, "hidden": 0, "rejected": 0}
    return submitter_histories([user.pk])[user.pk]


def submitter_histories(user_ids) -> dict[int, dict[str, int]]:
    """submitter_history for many people in one query (the queue shows dozens)."""
    user_ids = {pk for pk in user_ids if pk is not None}
    histories = {pk: {"published": 0, "hidden": 0, "rejected": 0} for pk in user_ids}
    rows = (
        Article.objects.filter(
            author_id__in=user_ids, status__in=[Status.PUBLISHED, Status.HIDDEN, Status.REJECTED]
        )
        .values("author_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        histories[row["author_id"]][row["status"]] = row["n"]
    return histories
