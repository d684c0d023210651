"""The pages where readers write: add a comment, reply, report; and the public
comment moderation log.

The writing pages are origin-rendered (never part of an edition): they carry a
CSRF token and may know who is signed in, so nothing may cache them. The public
article page links to them with plain links.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from altavoz.debate import services
from altavoz.debate.forms import CommentForm, ReportForm
from altavoz.debate.limits import RateLimited
from altavoz.debate.models import Comment, CommentReport
from altavoz.newsroom.models import Article
from altavoz.newsroom.views.listing import DECISIONS, archive
from altavoz.people import throttle
from altavoz.people.models import User

Status = Comment.Status


def _article_or_404(slug: str) -> Article:
    try:
        return Article.objects.public().get(language=translation.get_language(), slug=slug)
    except Article.DoesNotExist as exc:
        raise Http404(_("There is no article at this address.")) from exc


def _comment_or_404(pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("article", "author"), pk=pk)
    if not Article.objects.public().filter(pk=comment.article_id).exists():
        raise Http404(_("There is no comment at this address."))
    return comment


def refuse(request: HttpRequest, article: Article | None, message: str,
           status: int = 403) -> HttpResponse:
    """A page that says why, with a way back to the article."""
    return render(request, "debate/refused.html",
                  {"article": article, "message": message}, status=status)


def too_many(request: HttpRequest, article: Article | None, exc: RateLimited) -> HttpResponse:
    response = refuse(request, article, str(exc), status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@never_cache
@require_http_methods(["GET", "POST"])
def new_comment(request: HttpRequest, slug: str) -> HttpResponse:
    return _compose(request, _article_or_404(slug), None)


@never_cache
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _comment_or_404(pk)
    if parent.status != Status.PUBLISHED:
        return refuse(request, parent.article,
                      _("Only comments shown on the site can be answered."), status=404)
    return _compose(request, parent.article, parent)


def _compose(request: HttpRequest, article: Article, parent: Comment | None) -> HttpResponse:
    if not services.may_comment(request.user):
        return redirect_to_login(request.get_full_path())
    try:
        services.check_open(article)
    except ValidationError as exc:
        return refuse(request, article, " ".join(exc.messages))
    form = CommentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        key = "" if request.user.is_authenticated else throttle.client_bucket(request).digest
        try:
            comment = services.post_comment(
                article, request.user, form.cleaned_data["body"], parent, client_key=key
            )
        except RateLimited as exc:
            return too_many(request, article, exc)
        except PermissionDenied as exc:
            return refuse(request, article, str(exc))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _after_post(request, article, comment)
    context = {
        "form": form, "article": article, "parent": parent,
        "anonymous": not request.user.is_authenticated,
        "reviewed": article.comments == Article.Comments.MODERATED,
    }
    return render(request, "debate/compose.html", context,
                  status=400 if request.method == "POST" else 200)


def _after_post(request: HttpRequest, article: Article, comment: Comment) -> HttpResponse:
    if comment.is_public:
        # No message: the article page is public and shows none; the anchor says it all.
        return redirect(f"{article.get_absolute_url()}#{comment.anchor}")
    messages.success(request, _(
        "Thank you. Your comment is waiting for an editor's review; it will appear "
        "under the article once approved."
    ))
    with translation.override(article.language):
        return redirect(reverse("debate:new", args=[article.slug]))


@never_cache
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if comment.status not in {Status.PUBLISHED, Status.FLAGGED}:
        return refuse(request, comment.article,
                      _("Only comments shown on the site can be reported."), status=404)
    if comment.author_id == request.user.pk:
        return refuse(request, comment.article, _("You cannot report your own comment."))
    existing = CommentReport.objects.filter(comment=comment, reporter=request.user).first()
    form = ReportForm(request.POST if request.method == "POST" and not existing else None)
    if form.is_valid():
        try:
            services.report_comment(comment, request.user, form.cleaned_data["reason"],
                                    form.cleaned_data["note"])
        except PermissionDenied as exc:
            return refuse(request, comment.article, str(exc))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Thank you. The editors will look at your report."))
            return redirect("debate:report", pk=comment.pk)
    status = 400 if request.method == "POST" and not existing else 200
    return render(request, "debate/report.html", {
        "form": form, "comment": comment, "article": comment.article, "existing": existing,
    }, status=status)


def moderation_log(request: HttpRequest, k: int | None = None) -> HttpResponse:
    """Public: the same bytes for every reader, like the article moderation log;
    paginated the same way (k: archive page, None: the latest)."""
    listing = archive(services.public_comment_log(), k, reverse("debate:log"),
                      labels=DECISIONS, sort_value=lambda e: e.created_at)
    roles = dict(User.Role.choices) | {"readers": _("readers")}
    now = timezone.now()
    for entry in listing.items:
        entry.role_label = roles.get(entry.actor_role, entry.actor_role)
        art = entry.article
        is_public = art is not None and art.status in {
            Article.Status.PUBLISHED, Article.Status.HIDDEN
        } and (art.published_at is not None and art.published_at <= now)
        entry.public_article = art if is_public else None
        # Point at the comment only while it has a place in the thread.
        shown = entry.comment is not None and entry.comment.status != Status.REJECTED
        entry.anchor = entry.comment.anchor if shown else ""
    return render(request, "debate/log.html", {
        "heading": _("Comment moderation log"),
        "listing": listing,
    })
