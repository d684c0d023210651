"""Articles, their sections and tags, revisions and the moderation log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from altavoz.newsroom.markdown import render_markdown


class Section(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    # {"es": "Noticias", "en": "News"}: sections are few and named in every language.
    names = models.JSONField(default=dict)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = translation.get_language() or settings.LANGUAGE_CODE
        return self.names.get(lang) or self.names.get(settings.LANGUAGE_CODE) or self.slug


class Tag(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TranslationGroup(models.Model):
    """Articles that are translations of one another share a group."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return str(self.uuid)


class ArticleQuerySet(models.QuerySet):
    def public(self) -> ArticleQuerySet:
        """Everything a reader can open: published (and due) or hidden with a reason."""
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.HIDDEN],
            published_at__lte=timezone.now(),
        )

    def listed(self) -> ArticleQuerySet:
        """What listings show: published and due. Hidden ones are on the hidden page only."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self) -> ArticleQuerySet:
        return self.select_related("section", "author", "organization").order_by(
            "-published_at", "-id"
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PENDING = "pending", _("pending review")
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("hidden")
        REJECTED = "rejected", _("rejected")

    group = models.ForeignKey(TranslationGroup, on_delete=models.PROTECT, related_name="articles")
    # Validated against settings.LANGUAGES in forms, not here: languages are a setting.
    language = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=200)
    # Set once from the first title and never changed: links must not break.
    slug = models.SlugField(max_length=120)
    lede = models.TextField(_("summary"), max_length=600)
    body = models.TextField(_("text (Markdown)"))
    body_html = models.TextField(editable=False, default="")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, verbose_name=_("section"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="articles",
    )
    organization = models.ForeignKey(
        "people.Organization", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="articles", verbose_name=_("organization"),
    )
    cover = models.ImageField(upload_to="covers/%Y/%m/", blank=True)
    cover_alt = models.CharField(_("cover description"), max_length=200, blank=True)

    class Comments(models.TextChoices):
        OPEN = "open", _("open: comments appear at once")
        MODERATED = "moderated", _("moderated: comments wait for an editor")
        CLOSED = "closed", _("closed")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    comments = models.CharField(
        _("comments"), max_length=16, choices=Comments.choices, default=Comments.OPEN
    )
    featured = models.BooleanField(default=False)
    featured_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # In the future means scheduled: listed from that moment on.
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["language", "slug"], name="slug_unique_per_language"),
            models.UniqueConstraint(
                fields=["group", "language"], name="one_translation_per_language"
            ),
        ]
        indexes = [
            # Ending in the id, the listings' whole order: a listing's ids come from
            # the index alone, without a sort or a row read (the publisher reads them).
            models.Index(fields=["status", "language", "-published_at", "-id"],
                         name="article_listing_order"),
            # Every language at once, newest first: the API's list and the site feed.
            models.Index(fields=["status", "-published_at", "-id"], name="article_latest"),
            models.Index(fields=["status", "submitted_at"], name="article_queue"),
            models.Index(fields=["featured", "-featured_at"], name="article_featured"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        with translation.override(self.language):
            return reverse("newsroom:article", kwargs={"slug": self.slug})

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def byline_organization(self):
        return self.organization

    def translations(self) -> models.QuerySet[Article]:
        return Article.objects.public().filter(group_id=self.group_id).exclude(pk=self.pk)


class Revision(models.Model):
    """Every saved state of an article, so editors can see who changed what."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    lede = models.TextField()
    body = models.TextField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class ModerationEntry(models.Model):
    """One moderation action. The public log shows role, action, time and reason;
    only editors see who acted (the private audit log)."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("approved")
        REJECT = "reject", _("rejected as spam")
        HIDE = "hide", _("hidden")
        UNHIDE = "unhide", _("restored")
        FEATURE = "feature", _("featured")
        UNFEATURE = "unfeature", _("removed from featured")
        SCHEDULE = "schedule", _("scheduled")
        EDIT = "edit", _("edited by an editor")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="moderation")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="moderation_recent")]

    def __str__(self) -> str:
        return f"{self.action} {self.article_id}"

    @property
    def is_public(self) -> bool:
        """Rejections are spam: never shown, not even their titles."""
        return self.action != self.Action.REJECT
