"""The editors' side: the review queue, per-article moderation, revisions, audit log.

Every view needs an editor who passed TOTP in this session (permissions.editor_required);
the workflow functions check it again, so a view that forgot could not act anyway.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from altavoz.newsroom import workflow
from altavoz.newsroom.diffing import diff_revisions
from altavoz.newsroom.forms import BulkForm, ModerationForm
from altavoz.newsroom.models import Article, ModerationEntry, Revision
from altavoz.newsroom.permissions import editor_required

Status = Article.Status
# Editors read queues in long pages: fewer clicks while clearing a spam wave.
QUEUE_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50
REVISIONS_PAGE_SIZE = 10
RECENT_COUNT = 30


@editor_required
def queue(request: HttpRequest) -> HttpResponse:
    pending = (
        Article.objects.filter(status=Status.PENDING)
        .select_related("author", "section", "organization")
        .order_by(F("submitted_at").asc(nulls_first=True), "id")
    )
    page = Paginator(pending, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    histories = workflow.submitter_histories(a.author_id for a in page)
    rows = [{"article": a, "history": histories.get(a.author_id)} for a in page]
    listing = Article.objects.select_related("author", "section", "organization")
    context = {
        "page": page,
        "rows": rows,
        "scheduled": listing.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")[:RECENT_COUNT],
        "recent": listing.listed().order_by("-published_at", "-id")[:RECENT_COUNT],
        "form": BulkForm(),
    }
    return render(request, "editor/queue.html", context)


@editor_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("editor:queue")
    action = workflow.BULK_ACTIONS[form.cleaned_data["action"]]
    ids = form.cleaned_data["ids"]
    reason = form.cleaned_data["reason"]
    articles = Article.objects.in_bulk(ids)
    done = 0
    # One at a time, each in its own transaction: one failure must not undo the rest.
    for pk in ids:
        article = articles.get(pk)
        if article is None:
            messages.error(request, _("Article %(id)d no longer exists.") % {"id": pk})
            continue
        try:
            action(article, request.user, reason=reason)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"“{article.title}”: {_error_text(exc)}")
        else:
            done += 1
    if done:
        messages.success(
            request, ngettext("%(n)d article updated.", "%(n)d articles updated.", done)
            % {"n": done},
        )
    return redirect("editor:queue")


@editor_required
def article(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(
        Article.objects.select_related("author", "section", "organization"), pk=pk
    )
    status = 200
    posted: dict = {}
    if request.method == "POST":
        form = ModerationForm(request.POST)
        posted = {"action": request.POST.get("action"), "reason": request.POST.get("reason", "")}
        if form.is_valid():
            try:
                _apply(article, request.user, form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _error_text(exc))
                status = 400
            else:
                messages.success(request, _("Done."))
                return redirect("editor:article", pk=article.pk)
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            status = 400
        article.refresh_from_db()
    context = {
        "article": article,
        "history": workflow.submitter_history(article.author),
        "revisions": article.revisions.select_related("made_by").order_by("-number")[:20],
        "entries": article.moderation.select_related("actor")[:20],
        "posted": posted,
        "form": ModerationForm(),
    }
    return render(request, "editor/article.html", context, status=status)


def _apply(article: Article, user, data: dict) -> None:
    action, reason = data["action"], data["reason"]
    if action == "approve":
        workflow.approve(article, user, reason, at=data.get("publish_at"))
    elif action == "reject":
        workflow.reject(article, user, reason)
    elif action == "hide":
        workflow.hide(article, user, reason)
    elif action == "unhide":
        workflow.unhide(article, user, reason)
    elif action == "feature":
        workflow.feature(article, user, reason)
    elif action == "unfeature":
        workflow.unfeature(article, user, reason)


def _error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


@editor_required
def revisions(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    all_revisions = article.revisions.select_related("made_by").order_by("-number")
    numbers = list(all_revisions.values_list("number", flat=True))
    context: dict = {"article": article, "numbers": numbers}
    if "a" in request.GET or "b" in request.GET:
        try:
            a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
        except ValueError:
            messages.error(request, _("Choose two revisions to compare."))
            return render(request, "editor/revisions.html", context, status=400)
        old = get_object_or_404(Revision, article=article, number=a)
        new = get_object_or_404(Revision, article=article, number=b)
        context.update(compare=(old, new), diffs=diff_revisions(old, new), a=a, b=b)
        return render(request, "editor/revisions.html", context)
    page = Paginator(all_revisions, REVISIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    wanted = {r.number - 1 for r in page}
    previous = {r.number: r for r in article.revisions.filter(number__in=wanted)}
    context["page"] = page
    context["entries"] = [
        {"revision": r, "previous": previous.get(r.number - 1),
         "diffs": diff_revisions(previous.get(r.number - 1), r)}
        for r in page
    ]
    return render(request, "editor/revisions.html", context)


@editor_required
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = ModerationEntry.objects.select_related("actor", "article").order_by(
        "-created_at", "-id"
    )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "editor/audit.html", {"page": page})
