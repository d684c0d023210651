"""The contributors' side: write, submit, correct, and follow one's own articles.

These pages are origin-rendered (never part of an edition), so they may say who
is signed in and carry CSRF tokens.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from altavoz.newsroom import workflow
from altavoz.newsroom.forms import ArticleForm
from altavoz.newsroom.models import Article, TranslationGroup
from altavoz.newsroom.permissions import forbidden, two_factor_redirect
from altavoz.people.models import User

Status = Article.Status


# never_cache: these pages carry a CSRF token and per-person content; no cache
# on the way (the edge included) may keep them.
@never_cache
def submit(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated and not settings.ALTAVOZ_ANONYMOUS_SUBMISSIONS:
        return redirect_to_login(request.get_full_path())
    return _write(request, Article(language=translation.get_language()))


@never_cache
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(
        Article.objects.select_related("group", "organization", "author"), pk=pk
    )
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not workflow.may_edit(user, article):
        if user.is_editor and article.author_id != user.pk:
            return two_factor_redirect(request)  # may_edit failed only for lack of TOTP
        return forbidden(request, _refusal(user, article))
    return _write(request, article)


@never_cache
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    articles = (
        Article.objects.filter(author=request.user)
        .select_related("section", "organization")
        .order_by("-updated_at", "-id")
    )
    page = Paginator(articles, settings.ALTAVOZ_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "article": a,
            "may_edit": workflow.may_edit(request.user, a),
            "is_public": a.status in {Status.PUBLISHED, Status.HIDDEN}
            and a.published_at is not None and a.published_at <= now,
        }
        for a in page
    ]
    return render(request, "newsroom/mine.html", {"page": page, "rows": rows})


def _refusal(user: User, article: Article) -> str:
    if article.author_id != user.pk:
        return _("This article belongs to someone else; only its author and editors may "
                 "change it.")
    if article.status == Status.REJECTED:
        return _("This article was rejected and can no longer be changed.")
    return _("Published articles can only be changed by editors. Write to them if "
             "something needs correcting.")


def _actions(user: User | None, article: Article) -> list[str]:
    """The buttons offered. The first is what Enter in a text box does, so a draft
    save comes first: the harmless choice."""
    if user is None:
        return ["submit"]
    own = article.pk is None or article.author_id == user.pk
    if own and article.status in {Status.DRAFT, Status.PENDING}:
        return ["draft", "submit"]
    return ["save"]


def _write(request: HttpRequest, article: Article) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    actions = _actions(user, article)
    if request.method == "POST":
        form = ArticleForm(request.POST, request.FILES, instance=article, user=user)
        action = request.POST.get("action")
        action = action if action in actions else actions[0]
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = _save(form, user, action)
            except IntegrityError:
                # Two people took the same address at the same instant; a retry works.
                form.add_error(None, _("Someone saved a similar article at the same moment. "
                                       "Please press the button again."))
            else:
                return _after_save(request, saved, user, action, form.is_editor_correction)
    else:
        form = ArticleForm(instance=article, user=user)
    context = {
        "form": form, "article": article, "actions": actions, "anonymous": user is None,
        "max_body": settings.ALTAVOZ_MAX_BODY_CHARS,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "newsroom/write.html", context, status=status)


def _save(form: ArticleForm, user: User | None, action: str) -> Article:
    data = form.cleaned_data
    correction = form.is_editor_correction
    original_language = form.initial.get("language")
    old_cover = form.instance.cover.name if form.instance.pk else ""
    article: Article = form.save(commit=False)
    creating = article.pk is None
    article.group = data["translation_group"] or TranslationGroup.objects.create()
    if creating:
        article.author = user
        article.slug = workflow.unique_slug(article.title, article.language)
    elif article.language != original_language:
        # Only possible before publication (the field is locked after), so no
        # public link can break if the slug needs a suffix in the new language.
        article.slug = workflow.unique_slug(article.slug, article.language, article.pk)
    if data.get("cover_image"):
        article.cover.save(data["cover_image"].name, data["cover_image"], save=False)
    elif data.get("remove_cover"):
        article.cover = ""
    if not article.cover:
        article.cover_alt = ""
    if action == "draft" and article.status == Status.PENDING:
        article.status = Status.DRAFT  # withdrawn from the queue
    article.updated_at = timezone.now()
    article.save()
    workflow.set_tags(article, data["tags"])
    note = data.get("note", "")
    workflow.record_revision(article, user, note)
    if action == "submit":
        workflow.submit(article, user)
    if correction:
        workflow.log_edit(article, user, note)
    if old_cover and old_cover != article.cover.name:
        # The contributor may have removed it for their safety: really delete it.
        storage = article.cover.storage
        transaction.on_commit(lambda: storage.delete(old_cover))
    return article


def _after_save(request: HttpRequest, article: Article, user: User | None, action: str,
                correction: bool) -> HttpResponse:
    if action == "submit" and article.status == Status.PUBLISHED:
        messages.success(request, _("Published: your article is on the site."))
    elif action == "submit" and user is None:
        messages.success(request, _(
            "Thank you. Your article is waiting for an editor's review; it will appear "
            "once approved. Without an account it can no longer be changed."))
        return redirect("newsroom:submit")
    elif action == "submit":
        messages.success(request, _(
            "Sent for review. An editor will look at it soon; until then it is not public."))
    elif action == "draft":
        messages.success(request, _("Draft saved. Only you and the editors can see it."))
        return redirect("newsroom:edit", pk=article.pk)
    else:
        messages.success(request, _("Changes saved."))
    if correction:
        return redirect("editor:article", pk=article.pk)
    return redirect("newsroom:mine")
