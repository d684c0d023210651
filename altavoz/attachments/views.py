"""The attachments page of an article (origin only), and the file server.

Who may do what:
- upload: whoever may edit the article (workflow.may_edit);
- remove before the article is approved: the same people, and the files are
  deleted from disk at once (a contributor may have picked the wrong photo, one
  that shows a face or a place: keeping it would defeat the point);
- remove after approval: editors only, with a public reason that goes to the
  moderation log. Authors then ask an editor, as for any change to approved
  text. The file itself is still deleted, because the usual reason to take a
  published picture down is somebody's safety; the log keeps the record.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from altavoz.attachments import storage, uploads
from altavoz.attachments.forms import AttachmentForm, RemoveForm
from altavoz.attachments.models import Attachment
from altavoz.newsroom import workflow
from altavoz.newsroom.models import Article
from altavoz.newsroom.permissions import forbidden, two_factor_redirect

Status = Article.Status
# Files never change under a name, so a public one may be cached for a year.
_PUBLIC_CACHE = "public, max-age=31536000, immutable"
_PRIVATE_CACHE = "private, no-store"
# A served file is a document, never a page: it may run nothing and load nothing.
_FILE_CSP = "default-src 'none'; sandbox"


class CappedUploadHandler(FileUploadHandler):
    """Drops a file as soon as it grows past the largest size any attachment may
    have, so an oversize upload is neither buffered nor written to a temporary
    file; the form then says "too large" instead of "choose a file"."""

    def __init__(self, request: HttpRequest, cap: int) -> None:
        super().__init__(request)
        self.cap = cap
        self.received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.cap:
            self.request.attachment_dropped_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def approved(article: Article) -> bool:
    """Past the editors: from here on, removing a file is an editor's public act."""
    return article.status in {Status.PUBLISHED, Status.HIDDEN}


def visible(article: Article) -> bool:
    """Readers can open the article, so they may fetch its files."""
    return (
        approved(article)
        and article.published_at is not None
        and article.published_at <= timezone.now()
    )


def _editable_article(request: HttpRequest, pk: int) -> Article | HttpResponse:
    article = get_object_or_404(Article.objects.select_related("author", "organization"), pk=pk)
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if workflow.may_edit(user, article):
        return article
    if user.is_editor and article.author_id != user.pk:
        return two_factor_redirect(request)  # may_edit failed only for lack of TOTP
    if article.author_id != user.pk:
        return forbidden(request, _("This article belongs to someone else; only its author "
                                    "and editors may attach files to it."))
    return forbidden(request, _("This article can no longer be changed by its author. Write "
                                "to the editors if a file needs adding or removing."))


# csrf_exempt only so the upload handler can be put in place before the body is
# read; _manage checks the token itself (Django's documented pattern).
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        request.upload_handlers.insert(
            0, CappedUploadHandler(request, uploads.largest_allowed())
        )
    return _manage(request, pk)


@csrf_protect
def _manage(request: HttpRequest, pk: int) -> HttpResponse:
    found = _editable_article(request, pk)
    if isinstance(found, HttpResponse):
        return found
    article = found
    if request.method != "POST":
        return _render(request, article, AttachmentForm(article=article))
    form = AttachmentForm(
        request.POST, request.FILES, article=article,
        dropped_too_large=getattr(request, "attachment_dropped_too_large", False),
    )
    if form.is_valid():
        attachment = _store(form, article, request.user)
        if attachment is not None:
            messages.success(request, _("File attached."))
            return redirect("attachments:manage", pk=article.pk)
    return _render(request, article, form, status=400)


def _store(form: AttachmentForm, article: Article, user) -> Attachment | None:
    prepared: uploads.Prepared = form.cleaned_data["file"]
    storage.write(prepared.files)
    try:
        with transaction.atomic():
            # Lock the article so two uploads at once cannot pass the limit together.
            Article.objects.select_for_update().filter(pk=article.pk).first()
            existing = Attachment.objects.filter(article=article)
            if existing.count() >= settings.ALTAVOZ_MAX_ATTACHMENTS:
                form.add_error("file", _("This article already has the most attachments "
                                         "allowed. Remove one before adding another."))
                storage.remove(prepared.files)
                return None
            last = existing.aggregate(last=Max("position"))["last"] or 0
            attachment = Attachment.objects.create(
                article=article, kind=prepared.kind, key=prepared.key,
                title=form.cleaned_data["title"],
                alt=form.cleaned_data["alt"] if prepared.kind == Attachment.Kind.IMAGE else "",
                display_name=prepared.display_name, file=prepared.file,
                content_type=prepared.content_type, size=prepared.size,
                width=prepared.width, height=prepared.height, pages=prepared.pages,
                renditions=prepared.renditions, position=last + 1, uploaded_by=user,
            )
            _touch(article)
            if approved(article) and article.author_id != user.pk:
                workflow.log_edit(article, user, _("File attached: “%(title)s”.")
                                  % {"title": attachment})
    except BaseException:
        storage.remove(prepared.files)
        raise
    return attachment


@never_cache
@require_POST
def remove(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    found = _editable_article(request, pk)
    if isinstance(found, HttpResponse):
        return found
    article = found
    attachment = get_object_or_404(Attachment, pk=attachment_id, article=article)
    public = approved(article)
    if public and not workflow.may_moderate(request.user):
        return forbidden(request, _("Files of an approved article can only be removed by an "
                                    "editor. Write to the editors and say why."))
    form = RemoveForm(request.POST, needs_reason=public)
    if not form.is_valid():
        return _render(request, article, AttachmentForm(article=article),
                       remove_forms={attachment.pk: form}, status=400)
    with transaction.atomic():
        title = str(attachment)
        attachment.delete()  # files go once committed (signals.py)
        _touch(article)
        if public:
            workflow.log_edit(article, request.user, _(
                "File removed: “%(title)s”. Reason: %(reason)s"
            ) % {"title": title, "reason": form.cleaned_data["reason"]})
    messages.success(request, _("File removed."))
    return redirect("attachments:manage", pk=article.pk)


def _touch(article: Article) -> None:
    # The article page changes with its files: editions rebuild what changed.
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())


def _render(request: HttpRequest, article: Article, form: AttachmentForm, *,
            remove_forms: dict | None = None, status: int = 200) -> HttpResponse:
    remove_forms = remove_forms or {}
    public = approved(article)
    may_remove = not public or workflow.may_moderate(request.user)
    rows = [
        {
            "attachment": a,
            "thumbnail": default_storage.url(a.renditions[0]["fallback"]) if a.renditions
            else "",
            "url": default_storage.url(a.file),
            "remove_form": remove_forms.get(a.pk) or RemoveForm(needs_reason=public),
        }
        for a in Attachment.objects.filter(article=article)
    ]
    return render(request, "attachments/manage.html", {
        "article": article, "form": form, "rows": rows, "may_remove": may_remove,
        "needs_reason": public, "limit": settings.ALTAVOZ_MAX_ATTACHMENTS,
        "full": len(rows) >= settings.ALTAVOZ_MAX_ATTACHMENTS,
    }, status=status)


@require_safe
def serve_file(request: HttpRequest, name: str) -> HttpResponse:
    """One stored file, with headers that keep it a file: right type, no sniffing,
    no scripts, documents downloaded rather than opened in the site's origin."""
    full_name = storage.PREFIX + name
    match = storage.NAME.match(full_name)
    if match is None:
        raise Http404(_("There is no file at this address."))
    attachment = (
        Attachment.objects.select_related("article").filter(key=match["key"]).first()
    )
    if attachment is None or full_name not in attachment.stored_names():
        raise Http404(_("There is no file at this address."))
    article = attachment.article
    # Drafts' files are for their authors and editors only; 404 tells strangers nothing.
    public = visible(article)
    if not public and not workflow.may_edit(request.user, article):
        raise Http404(_("There is no file at this address."))
    headers = file_headers(attachment, full_name, public=public)
    not_modified = get_conditional_response(
        request, etag=headers["ETag"], last_modified=int(attachment.created_at.timestamp())
    )
    if not_modified is not None:
        return _with_headers(not_modified, {
            k: v for k, v in headers.items() if k not in {"Content-Type", "Content-Disposition"}
        })
    try:
        handle = default_storage.open(full_name, "rb")
    except FileNotFoundError as exc:
        raise Http404(_("There is no file at this address.")) from exc
    response = FileResponse(handle, content_type=headers["Content-Type"])  # + Content-Length
    return _with_headers(response, headers)


def file_headers(attachment: Attachment, name: str, *, public: bool = True) -> dict[str, str]:
    """The headers a stored file is served with, here and (for the edition builder)
    wherever its bytes are copied: the file never changes under its name."""
    extension = name.rsplit(".", 1)[1]
    headers = {
        "Content-Type": storage.CONTENT_TYPES[extension],
        "ETag": f'"{name.rsplit("/", 1)[1]}"',
        "Last-Modified": http_date(attachment.created_at.timestamp()),
        "Cache-Control": _PUBLIC_CACHE if public else _PRIVATE_CACHE,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": _FILE_CSP,
    }
    # Documents are saved, not opened inside the site's origin; pictures show inline.
    headers["Content-Disposition"] = (
        content_disposition_header(True, attachment.download_name())
        if extension == "pdf" else "inline"
    )
    return headers


def _with_headers(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response[name] = value
    return response
