"""The Django admin at /manage/: admins with a verified device only."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from altavoz.newsroom.models import ModerationEntry
from altavoz.newsroom.workflow import approve, submit
from altavoz.people.models import Organization, User
from tests.conftest import PASSWORD, current_code, make_article, make_user, totp_device


@pytest.fixture
def admin_user(db) -> User:
    return make_user("dora", User.Role.ADMIN)


@pytest.fixture
def admin_client(admin_user) -> Client:
    """An admin who went through password and code on the site's own pages."""
    client = Client()
    device = totp_device(admin_user)
    response = client.post(
        "/en/account/login/?next=/manage/", {"username": "dora", "password": PASSWORD}
    )
    response = client.post(response["Location"], {"code": current_code(device)})
    assert response["Location"] == "/manage/"
    return client


def test_is_staff_follows_the_admin_role(admin_user, editor):
    assert admin_user.is_staff and not editor.is_staff
    admin_user.role = User.Role.CONTRIBUTOR
    admin_user.save()
    assert not admin_user.is_staff


def test_an_admin_without_a_code_is_refused(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/manage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/manage/login/")
    assert client.get("/manage/people/user/").status_code == 302


def test_an_admin_who_only_gave_a_password_is_refused(admin_user):
    totp_device(admin_user)
    client = Client()
    client.post("/en/account/login/", {"username": "dora", "password": PASSWORD})
    assert client.get("/manage/")["Location"].startswith("/manage/login/")


def test_a_verified_editor_is_not_an_admin(editor_client):
    assert editor_client.get("/manage/")["Location"].startswith("/manage/login/")


def test_a_verified_admin_gets_in(admin_client, contributor):
    assert admin_client.get("/manage/").status_code == 200
    page = admin_client.get("/manage/people/user/").content.decode()
    assert "ana" in page and "dora" in page
    change = admin_client.get(f"/manage/people/user/{contributor.pk}/change/").content.decode()
    assert 'name="role"' in change
    assert 'name="email"' not in change and 'name="is_staff"' not in change


def test_an_admin_can_add_a_user_with_a_role(admin_client):
    response = admin_client.post("/manage/people/user/add/", {
        "username": "elena", "role": "editor", "usable_password": "true",
        "password1": "una clave larga 2024", "password2": "una clave larga 2024",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="elena").role == User.Role.EDITOR


def test_organizations_are_verified_from_the_admin(admin_client, organization):
    organization.verified = False
    organization.save()
    change = f"/manage/people/organization/{organization.pk}/change/"
    assert admin_client.get(change).status_code == 200
    response = admin_client.post("/manage/people/organization/", {
        "action": "mark_verified", "_selected_action": [organization.pk],
    })
    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).verified


def test_articles_are_read_mostly_and_the_log_read_only(admin_client, contributor, editor,
                                                       section):
    article = make_article(contributor, section)
    submit(article, contributor)
    editor.is_verified = lambda: True  # as OTPMiddleware would after the code step
    approve(article, editor, "ok")
    page = admin_client.get(f"/manage/newsroom/article/{article.pk}/change/").content.decode()
    assert 'name="section"' in page
    assert 'name="status"' not in page and 'name="body"' not in page
    assert admin_client.get("/manage/newsroom/article/add/").status_code == 403
    assert admin_client.get(f"/manage/newsroom/article/{article.pk}/delete/").status_code == 403
    entry = ModerationEntry.objects.get()
    assert admin_client.get("/manage/newsroom/moderationentry/").status_code == 200
    assert admin_client.get("/manage/newsroom/moderationentry/add/").status_code == 403
    assert admin_client.get(
        f"/manage/newsroom/moderationentry/{entry.pk}/delete/"
    ).status_code == 403
    for path in ("section", "tag"):
        assert admin_client.get(f"/manage/newsroom/{path}/").status_code == 200


def test_devices_are_listed_without_their_keys_and_can_be_removed(admin_client, editor):
    device = totp_device(editor)
    assert admin_client.get("/manage/otp_totp/totpdevice/").status_code == 200
    page = admin_client.get(f"/manage/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
    assert admin_client.get("/manage/otp_totp/totpdevice/add/").status_code == 403
    response = admin_client.post(
        f"/manage/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
