"""The attachments page: who may upload and remove, limits, and what readers see."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from altavoz.attachments import uploads
from altavoz.attachments.models import Attachment
from altavoz.newsroom.models import Article, ModerationEntry
from tests.attachments import corpus
from tests.attachments.conftest import page_url, stored_files, upload
from tests.conftest import make_article, make_user

# --- who may open the page and upload ---------------------------------------------

def test_author_sees_an_origin_page(contributor_client, draft):
    response = contributor_client.get(page_url(draft))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<meta name="robots" content="noindex">' in page
    assert "csrfmiddlewaretoken" in page and 'enctype="multipart/form-data"' in page
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_anonymous_is_sent_to_log_in(client, draft, post_file):
    response = client.get(page_url(draft))
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    response = post_file(client, draft, corpus.photo())
    assert response.status_code == 302
    assert not Attachment.objects.exists()


def test_someone_else_may_not_upload(db, draft, post_file, media):
    stranger = Client()
    stranger.force_login(make_user("intrusa"))
    assert stranger.get(page_url(draft)).status_code == 403
    assert post_file(stranger, draft, corpus.photo()).status_code == 403
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_editor_without_code_is_asked_for_it(editor, draft):
    client = Client()
    client.force_login(editor)
    response = client.get(page_url(draft))
    assert response.status_code == 302 and "two-factor" in response["Location"]


def test_editor_with_code_may_upload(editor_client, draft, post_file):
    assert post_file(editor_client, draft, corpus.photo()).status_code == 302
    assert Attachment.objects.get().uploaded_by.username == "carmen"


def test_author_of_an_approved_article_may_not_upload(contributor_client, published, post_file):
    # Approved text is changed only by editors or those who publish without review.
    assert post_file(contributor_client, published, corpus.photo()).status_code == 403


def test_csrf_token_is_required(contributor, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    response = client.post(page_url(draft), {"file": upload(corpus.photo()), "alt": "x"})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_write_page_links_to_attachments(contributor_client, draft):
    page = contributor_client.get(f"/en/write/{draft.pk}/").content.decode()
    assert f'href="/en/write/{draft.pk}/attachments/"' in page


# --- what the form asks for ------------------------------------------------------------

def test_picture_needs_a_description(contributor_client, draft, post_file, media):
    response = post_file(contributor_client, draft, corpus.photo(), alt="  ")
    assert response.status_code == 400
    assert "Describe the picture" in response.content.decode()
    assert stored_files(media) == []


def test_document_needs_a_title(contributor_client, draft, post_file, media):
    response = post_file(contributor_client, draft, corpus.plain_pdf(), "acta.pdf", title="")
    assert response.status_code == 400
    assert "Give the document a title" in response.content.decode()
    assert stored_files(media) == []


def test_no_file_chosen(contributor_client, draft):
    response = contributor_client.post(page_url(draft), {"title": "x", "alt": "y"})
    assert response.status_code == 400
    assert "Choose a file" in response.content.decode()


def test_number_of_attachments_is_limited(contributor_client, draft, post_file, settings):
    settings.ALTAVOZ_MAX_ATTACHMENTS = 1
    assert post_file(contributor_client, draft, corpus.photo()).status_code == 302
    response = post_file(contributor_client, draft, corpus.photo())
    assert response.status_code == 400
    assert "the most allowed" in response.content.decode()
    assert Attachment.objects.count() == 1


def test_oversize_upload_is_dropped_while_it_arrives(
        contributor_client, draft, settings, media, monkeypatch):
    settings.ALTAVOZ_MAX_IMAGE_BYTES = 20_000
    settings.ALTAVOZ_MAX_PDF_BYTES = 20_000

    def never(upload):
        raise AssertionError("the upload handler should have dropped the file")

    monkeypatch.setattr(uploads, "prepare", never)
    big = corpus.noise_png(150)
    assert len(big) > 60_000  # more than one 64 KB chunk goes past the cap
    response = contributor_client.post(page_url(draft), {
        "file": upload(big, "grande.png"), "title": "x", "alt": "y",
    })
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert stored_files(media) == []


# --- removing ---------------------------------------------------------------------------

def test_author_removes_a_draft_file_and_it_leaves_the_disk(
        contributor_client, image_attachment, media, django_capture_on_commit_callbacks):
    assert stored_files(media)
    url = f"{page_url(image_attachment.article)}{image_attachment.pk}/remove/"
    with django_capture_on_commit_callbacks(execute=True):
        response = contributor_client.post(url)
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_deleting_the_article_deletes_the_files(
        image_attachment, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=image_attachment.article_id).delete()
    assert stored_files(media) == []


def _publish(article: Article) -> None:
    from django.utils import timezone

    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    article.save()


def test_after_approval_only_editors_remove_and_with_a_public_reason(
        trusted, section, editor_client, post_file, media, django_capture_on_commit_callbacks):
    author = Client()
    author.force_login(trusted)
    article = make_article(trusted, section, title="Trusted", language="en",
                           status=Article.Status.PUBLISHED)
    # A trusted author may still add files to their published article…
    assert post_file(author, article, corpus.photo()).status_code == 302
    attachment = Attachment.objects.get()
    url = f"{page_url(article)}{attachment.pk}/remove/"
    # …but not remove them: that is an editor's public act.
    assert author.post(url).status_code == 403
    response = editor_client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "needs a public reason" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {"reason": "It showed a child's face."})
    assert response.status_code == 302
    entry = ModerationEntry.objects.get(article=article)
    assert entry.action == ModerationEntry.Action.EDIT
    assert "A caption" in entry.reason and "child's face" in entry.reason
    assert stored_files(media) == []


def test_approved_article_page_offers_removal_to_editors_only(
        trusted, section, editor_client, post_file):
    author = Client()
    author.force_login(trusted)
    article = make_article(trusted, section, title="Trusted", language="en",
                           status=Article.Status.PUBLISHED)
    assert post_file(author, article, corpus.photo()).status_code == 302
    page = author.get(page_url(article)).content.decode()
    assert "/remove/" not in page and "only editors can remove" in page
    page = editor_client.get(page_url(article)).content.decode()
    assert "/remove/" in page and "Public reason" in page


# --- what readers see -----------------------------------------------------------------

def test_public_article_shows_figures_and_documents(
        contributor, image_attachment, document_attachment, client):
    article = image_attachment.article
    _publish(article)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    start, end = page.index('<figure class="attached">'), page.index("</section>")
    block = page[start:end]
    assert '<source type="image/webp" srcset="/media/attachments/' in block
    assert " 480w, " in block and " 1600w" in block and 'sizes="' in block
    assert 'width="1600" height="1200"' in block and 'loading="lazy"' in block
    assert 'alt="People sitting in a circle"' in block
    assert "<figcaption>A caption</figcaption>" in block
    assert "Acta de la asamblea</a>" in block and "1 page" in block and "PDF" in block
    assert document_attachment.file in block
    # The same bytes for every reader: the signed-in author gets the identical block.
    signed_in = Client()
    signed_in.force_login(contributor)
    assert block in signed_in.get(article.get_absolute_url()).content.decode()
    assert "foto.jpg" not in page and "informe.pdf" not in page  # uploader's names stay private


def test_article_without_attachments_renders_nothing(client, published):
    page = client.get(published.get_absolute_url()).content.decode()
    assert "attached" not in page and "documents-heading" not in page


# --- no address is kept ---------------------------------------------------------------------

def test_no_raw_ip_is_stored(contributor_client, draft, post_file, media):
    address, forwarded = "203.0.113.77", "198.51.100.23"
    response = post_file(contributor_client, draft, corpus.photo(), extra={
        "REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": forwarded,
    })
    assert response.status_code == 302
    response = post_file(contributor_client, draft, corpus.pdf_with_metadata(), "a.pdf",
                         title="Acta", extra={"REMOTE_ADDR": address})
    assert response.status_code == 302
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for needle in (address, forwarded, "203.0.113", "198.51.100"):
        assert needle not in dump.getvalue()
        for path in stored_files(media):
            assert needle.encode() not in path.read_bytes()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_renders_in_both_languages(contributor_client, image_attachment, lang):
    response = contributor_client.get(f"/{lang}/write/{image_attachment.article_id}/attachments/")
    assert response.status_code == 200
    assert image_attachment.alt in response.content.decode()


def test_editor_adding_a_file_to_someone_elses_public_article_is_logged(
        editor_client, published, post_file):
    assert post_file(editor_client, published, corpus.photo()).status_code == 302
    entry = ModerationEntry.objects.get(article=published)
    assert entry.action == ModerationEntry.Action.EDIT and "A caption" in entry.reason
