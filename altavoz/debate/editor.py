"""The editors' comment pages: the queue of reported and waiting comments, and
one comment with its reports, history and the three decisions.

Every view needs an editor who passed TOTP (permissions.editor_required), and
services.moderate_comment checks it again.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from altavoz.debate import services, spam
from altavoz.debate.forms import ModerationForm, PersonForm, PolicyForm
from altavoz.debate.models import Comment, CommentModeration, CommentReport
from altavoz.newsroom import workflow
from altavoz.newsroom.models import Article
from altavoz.newsroom.permissions import editor_required
from altavoz.people.models import User

Status = Comment.Status
# Long pages: fewer clicks while clearing a spam wave (as the article queue).
QUEUE_PAGE_SIZE = 50
RECENT_COUNT = 30
_ARTICLE_DEFER = ("article__body", "article__body_html", "article__lede")


def author_histories(user_ids) -> dict[int, dict[str, int]]:
    """Comments by status and articles by status, per person, in two queries."""
    user_ids = {pk for pk in user_ids if pk is not None}
    histories = {
        pk: {"comments": Counter(), "articles": {}} for pk in user_ids
    }
    rows = (
        Comment.objects.filter(author_id__in=user_ids)
        .values("author_id", "status").annotate(n=Count("id"))
    )
    for row in rows:
        histories[row["author_id"]]["comments"][row["status"]] = row["n"]
    for pk, articles in workflow.submitter_histories(user_ids).items():
        histories[pk]["articles"] = articles
    return histories


def _summary(reports: list[CommentReport]) -> list[tuple[str, int]]:
    labels = dict(CommentReport.Reason.choices)
    counts = Counter(r.reason for r in reports)
    return [(str(labels.get(reason, reason)), n) for reason, n in counts.most_common()]


@editor_required
def queue(request: HttpRequest) -> HttpResponse:
    open_reports = CommentReport.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True)
    first_report = open_reports.order_by("created_at").values("created_at")[:1]
    waiting = (
        Comment.objects.annotate(
            reported=Exists(open_reports),
            waiting_since=Coalesce(Subquery(first_report), F("created_at")),
        )
        .filter(Q(status=Status.PENDING) | Q(reported=True))
        .select_related("article", "author")
        .defer(*_ARTICLE_DEFER)
        .prefetch_related(Prefetch(
            "reports",
            queryset=CommentReport.objects.filter(resolved_at__isnull=True)
            .select_related("reporter").order_by("created_at"),
            to_attr="open_reports",
        ))
        .order_by("waiting_since", "id")
    )
    page = Paginator(waiting, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    histories = author_histories(c.author_id for c in page)
    rows = [
        {
            "comment": c,
            "reasons": spam.reason_labels(c.review_reasons),
            "reports": _summary(c.open_reports),
            "notes": [r for r in c.open_reports if r.note],
            "history": histories.get(c.author_id),
        }
        for c in page
    ]
    recent = (
        Comment.objects.filter(status=Status.PUBLISHED)
        .select_related("article", "author").defer(*_ARTICLE_DEFER)
        .order_by("-created_at", "-id")[:RECENT_COUNT]
    )
    return render(request, "debate/editor_queue.html", {
        "page": page, "rows": rows, "recent": recent,
    })


@editor_required
@require_http_methods(["GET", "POST"])
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Comment.objects.select_related("article", "author", "parent").defer(*_ARTICLE_DEFER),
        pk=pk,
    )
    status = 200
    if request.method == "POST":
        form = ModerationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.moderate_comment(found, request.user, data["action"], data["reason"])
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                status = 403
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 400
            else:
                messages.success(request, _("Done."))
                if data.get("next") == "queue":
                    return redirect("debate:editor_queue")
                return redirect("debate:editor_comment", pk=found.pk)
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            status = 400
        found.refresh_from_db()
    reports = list(found.reports.select_related("reporter").order_by("created_at"))
    history = author_histories([found.author_id]).get(found.author_id)
    return render(request, "debate/editor_comment.html", {
        "comment": found,
        "reasons": spam.reason_labels(found.review_reasons),
        "reports": reports,
        "open_summary": _summary([r for r in reports if r.resolved_at is None]),
        # The comment's history, and decisions about its author's comments.
        "entries": CommentModeration.objects.filter(
            Q(comment=found) | Q(person_id=found.author_id, person__isnull=False)
        ).select_related("actor")[:50],
        "history": history,
        "posted": request.POST if request.method == "POST" else {},
    }, status=status)


@editor_required
@require_http_methods(["GET", "POST"])
def article_comments(request: HttpRequest, pk: int) -> HttpResponse:
    """Every comment on one article, whatever its status, and its comment policy."""
    article = get_object_or_404(Article.objects.defer("body", "body_html"), pk=pk)
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if _done(request, lambda: services.set_article_policy(
                    article, request.user, data["policy"], data["reason"])):
                return redirect("debate:editor_article", pk=article.pk)
        else:
            _form_errors(request, form)
        status = 400
    comments = (
        Comment.objects.filter(article=article).select_related("author")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        .order_by("created_at", "id")
    )
    page = Paginator(comments, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "debate/editor_article.html", {
        "article": article, "page": page, "policies": Article.Comments.choices,
        "entries": CommentModeration.objects.filter(article=article, comment__isnull=True)
        .select_related("actor")[:20],
    }, status=status)


@editor_required
@require_http_methods(["POST"])
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """Review one person's comments first, or stop doing so."""
    someone = get_object_or_404(User, pk=pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        _done(request, lambda: services.set_person_review(
            someone, request.user, data["review"], data["reason"]))
        if data.get("comment"):
            return redirect("debate:editor_comment", pk=data["comment"])
    else:
        _form_errors(request, form)
    return redirect("debate:editor_queue")


def _done(request: HttpRequest, action) -> bool:
    """Run one service call, turning its refusals into messages."""
    try:
        action()
    except (PermissionDenied, ValidationError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return False
    messages.success(request, _("Done."))
    return True


def _form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
