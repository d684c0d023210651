"""Moderating through the API: an editor's token and a current TOTP code, or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from altavoz.newsroom.models import Article, ModerationEntry
from altavoz.people import tokens
from altavoz.people.models import User
from tests.conftest import make_article, make_user, totp_device

Status = Article.Status


def code_at(device, offset: int = 0) -> str:
    device.refresh_from_db()
    otp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    otp.time = otp.time + offset
    return f"{otp.token():0{device.digits}d}"


@pytest.fixture
def device(editor):
    return totp_device(editor)


@pytest.fixture
def editor_token(editor) -> str:
    return tokens.issue(editor)[1]


@pytest.fixture
def pending(contributor, section) -> Article:
    return make_article(contributor, section, title="Pendiente", status=Status.PENDING,
                        submitted_at=timezone.now())


def moderate(client, article_id: int, raw: str, code: str | None, **payload):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if code is not None:
        headers["HTTP_X_OTP_CODE"] = code
    return client.post(f"/api/v1/articles/{article_id}/moderation", payload,
                       content_type="application/json", **headers)


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code, response.json()


def test_approve_with_a_current_code(client, pending, editor, editor_token, device):
    response = moderate(client, pending.pk, editor_token, code_at(device), action="approve",
                        reason="Bien documentado.")
    assert response.status_code == 200, response.content
    body = response.json()
    pending.refresh_from_db()
    assert pending.status == body["status"] == "published"
    entry = ModerationEntry.objects.get(pk=body["logged"])
    assert (entry.article, entry.action, entry.actor, entry.reason) == (
        pending, "approve", editor, "Bien documentado.")
    assert response["Cache-Control"] == "private, no-store"


def test_without_a_code_nothing_happens(client, pending, editor_token, device):
    refused(moderate(client, pending.pk, editor_token, None, action="approve"), 403,
            "otp_required")
    pending.refresh_from_db()
    assert pending.status == Status.PENDING and not ModerationEntry.objects.exists()


@pytest.mark.parametrize("wrong", ["000000", "12345", "abcdef", "1234567890123456"])
def test_a_wrong_code_is_refused(client, pending, editor_token, device, wrong):
    if wrong == "000000" and code_at(device) == wrong:
        wrong = "111111"
    refused(moderate(client, pending.pk, editor_token, wrong, action="approve"), 403,
            "otp_invalid")
    assert not ModerationEntry.objects.exists()


def test_an_old_code_is_refused(client, pending, editor_token, device):
    refused(moderate(client, pending.pk, editor_token, code_at(device, -300), action="approve"),
            403, "otp_invalid")


def test_contributors_may_not_moderate_even_with_a_device(client, pending, contributor):
    own = totp_device(contributor)
    raw = tokens.issue(contributor)[1]
    refused(moderate(client, pending.pk, raw, code_at(own), action="approve"), 403,
            "not_editor")
    trusted = make_user("tomas", User.Role.TRUSTED)
    refused(moderate(client, pending.pk, tokens.issue(trusted)[1], "123456", action="approve"),
            403, "not_editor")
    assert not ModerationEntry.objects.exists()


def test_an_editor_without_a_device_is_told_to_set_one_up(client, pending, editor_token):
    refused(moderate(client, pending.pk, editor_token, "123456", action="approve"), 403,
            "otp_not_set_up")


def test_the_permission_is_checked_before_the_payload(client, pending, contributor):
    raw = tokens.issue(contributor)[1]
    refused(moderate(client, pending.pk, raw, None, action="explode"), 403, "not_editor")


def test_a_code_may_be_sent_again_with_the_same_token_only(client, pending, editor,
                                                           editor_token, device, publish):
    code = code_at(device)
    assert moderate(client, pending.pk, editor_token, code, action="approve").status_code == 200
    assert moderate(client, pending.pk, editor_token, code, action="feature").status_code == 200
    other_token = tokens.issue(editor)[1]
    refused(moderate(client, pending.pk, other_token, code, action="unfeature"), 403,
            "otp_invalid")
    assert list(ModerationEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "approve", "feature"]


def test_every_action(client, contributor, section, editor_token, device, publish):
    article = publish("Publicada")
    code = code_at(device)
    steps = [
        ("feature", "", Status.PUBLISHED, True),
        ("unfeature", "", Status.PUBLISHED, False),
        ("hide", "Datos personales.", Status.HIDDEN, False),
        ("unhide", "Corregido.", Status.PUBLISHED, False),
    ]
    for action, reason, status, featured in steps:
        response = moderate(client, article.pk, editor_token, code, action=action, reason=reason)
        assert response.status_code == 200, (action, response.content)
        article.refresh_from_db()
        assert (article.status, article.featured) == (status, featured), action
    spam = make_article(contributor, section, title="Spam", status=Status.PENDING)
    response = moderate(client, spam.pk, editor_token, code, action="reject", reason="spam")
    assert response.json()["status"] == "rejected"
    assert ModerationEntry.objects.count() == 5


def test_scheduled_approval(client, pending, editor_token, device):
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = moderate(client, pending.pk, editor_token, code_at(device), action="approve",
                        publish_at=at.isoformat())
    assert response.status_code == 200, response.content
    pending.refresh_from_db()
    assert pending.published_at == at and pending.is_scheduled
    assert ModerationEntry.objects.get().action == "schedule"


@pytest.mark.parametrize("payload, field", [
    ({"action": "hide", "reason": ""}, "reason"),
    ({"action": "explode"}, "action"),
    ({"action": "approve", "publish_at": "2001-01-01T00:00:00Z"}, "publish_at"),
    ({"action": "approve", "publish_at": "soon"}, "publish_at"),
    ({"action": "approve", "publish_at": "9999-12-31T23:59:59"}, "publish_at"),
    ({"action": "approve", "publish_at": "9999-12-31T23:59:59-12:00"}, "publish_at"),
])
def test_invalid_actions_are_a_422(client, publish, editor_token, device, payload, field):
    article = publish("Publicada")
    response = moderate(client, article.pk, editor_token, code_at(device), **payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]


def test_an_action_that_does_not_fit_the_state_is_a_409(client, publish, editor_token, device):
    article = publish("Publicada")
    refused(moderate(client, article.pk, editor_token, code_at(device), action="unhide"), 409,
            "conflict")
    refused(moderate(client, 99999, editor_token, code_at(device), action="approve"), 404,
            "not_found")


def test_queue_oldest_first_with_history(client, contributor, section, editor, editor_token,
                                         device, publish):
    publish("Ya publicada")
    now = timezone.now()
    newer = make_article(contributor, section, title="Nueva", status=Status.PENDING,
                         submitted_at=now)
    older = make_article(None, section, title="Vieja", status=Status.PENDING,
                         submitted_at=now - timedelta(hours=1))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {editor_token}", "HTTP_X_OTP_CODE": code_at(device)}
    response = client.get("/api/v1/moderation/queue", **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [i["id"] for i in body["items"]] == [older.pk, newer.pk]
    assert body["items"][0]["submitter"] is None
    assert body["items"][1]["submitter"] == {
        "username": "ana", "role": "contributor",
        "history": {"published": 1, "hidden": 0, "rejected": 0}}
    assert body["count"] == 2
    assert client.get("/api/v1/moderation/queue", HTTP_AUTHORIZATION=f"Bearer {editor_token}"
                      ).status_code == 403
    assert client.get("/api/v1/moderation/queue").status_code == 401


def test_repeated_wrong_codes_are_throttled(client, pending, editor_token, device):
    statuses = []
    for _n in range(4):
        wrong = "111111" if code_at(device) != "111111" else "222222"
        statuses.append(moderate(client, pending.pk, editor_token, wrong,
                                 action="approve").status_code)
    assert statuses[0] == 403 and statuses[-1] == 429, statuses
    response = moderate(client, pending.pk, editor_token, "333333", action="approve")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
