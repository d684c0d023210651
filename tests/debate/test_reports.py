"""Readers' reports: one per person, enough of them hide a comment visibly."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from altavoz.debate import services
from altavoz.debate.models import Comment, CommentModeration, CommentReport
from tests.conftest import make_user
from tests.debate.conftest import latest, post, settled_user, signed_in

Status = Comment.Status


@pytest.fixture
def comment(reader_client, article) -> Comment:
    post(reader_client, article, "Un comentario polémico")
    return latest()


def report(client: Client, comment: Comment, reason: str = "abuse", note: str = ""):
    return client.post(f"/en/comment/{comment.pk}/report/", {"reason": reason, "note": note})


def test_report_page_shows_the_comment_and_reasons(other_client, comment):
    response = other_client.get(f"/en/comment/{comment.pk}/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Un comentario polémico" in html and "csrfmiddlewaretoken" in html
    for value in ("spam", "abuse", "personal_data", "off_topic", "other"):
        assert f'value="{value}"' in html


def test_reporting_needs_an_account(client, comment):
    response = client.get(f"/en/comment/{comment.pk}/report/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert report(client, comment).status_code == 302
    assert not CommentReport.objects.exists()


def test_three_people_hide_a_comment_pending_review(comment, article, client):
    for n in range(3):
        assert comment.status == Status.PUBLISHED
        response = report(signed_in(settled_user(f"lector{n}")), comment, "spam", f"nota {n}")
        assert response.status_code == 302
        comment.refresh_from_db()
    assert comment.status == Status.FLAGGED
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'id="comment-{comment.pk}"' in html
    assert "Hidden pending review: readers reported this comment." in html
    assert "Un comentario polémico" not in html
    (entry,) = CommentModeration.objects.all()
    assert entry.action == "flag" and entry.actor is None and entry.actor_role == "readers"


def test_the_same_person_reporting_twice_counts_once(comment, other_client, other_reader):
    assert report(other_client, comment).status_code == 302
    again = report(other_client, comment, "spam")
    assert again.status_code == 200 and b"You reported this comment" in again.content
    services.report_comment(comment, other_reader, "other")
    report(signed_in(settled_user("segunda")), comment)
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert CommentReport.objects.filter(comment=comment).count() == 2
    assert CommentReport.objects.get(reporter=other_reader).reason == "abuse"


def test_reports_from_brand_new_accounts_do_not_hide(comment):
    for n in range(5):
        report(signed_in(make_user(f"nueva{n}")), comment)
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert CommentReport.objects.filter(comment=comment).count() == 5  # the editors see them


def test_the_threshold_is_a_setting(comment, other_client, settings):
    settings.ALTAVOZ_COMMENT_REPORTS_TO_HIDE = 1
    report(other_client, comment)
    comment.refresh_from_db()
    assert comment.status == Status.FLAGGED


def test_nobody_reports_their_own_comment(comment, reader_client, reader):
    assert report(reader_client, comment).status_code == 403
    with pytest.raises(ValidationError):
        services.report_comment(comment, reader, "spam")


@pytest.mark.parametrize("data", [
    {"reason": "nonsense"}, {}, {"reason": "spam", "note": "n" * 501},
    {"reason": "spam", "note": "nul \x00"},
])
def test_bad_reports_get_form_errors(comment, other_client, data):
    response = other_client.post(f"/en/comment/{comment.pk}/report/", data)
    assert response.status_code == 400
    assert not CommentReport.objects.exists()


def test_services_refuse_bad_reports(comment, other_reader):
    with pytest.raises(ValidationError):
        services.report_comment(comment, other_reader, "nonsense")
    with pytest.raises(PermissionDenied):
        services.report_comment(comment, None, "spam")


def test_pending_comments_cannot_be_reported(article, contributor, other_client):
    post(signed_in(contributor), article, "Espera")
    pending = latest()
    assert pending.status == Status.PENDING
    assert report(other_client, pending).status_code == 404
