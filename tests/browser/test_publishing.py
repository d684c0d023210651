"""The issue's "done when", in a real browser: a newcomer registers and submits,
an editor signs in with TOTP, approves it onto the front page, then hides it with
a public reason that readers see."""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request

import pytest
from django_otp.oath import totp

pytestmark = pytest.mark.browser

EDITOR_PASSWORD = "una clave larga de editora"
READER_PASSWORD = "otra clave larga 2026"
TITLE = "Asamblea del consejo comunal de El Valle"


def _form_with_action(page, action: str):
    return page.locator(f'form:has(input[name="action"][value="{action}"])')


def _totp_now(secret_text: str) -> str:
    secret = "".join(secret_text.split()).upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def _published(page, url: str, check, seconds: float = 90) -> bool:
    """Reload `url` until check(page) holds: a change reaches the edition the
    edge serves through the publisher (about a second; a whole build after
    seeding takes longer). Bounded."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.goto(url)
        if check(page):
            return True
        page.wait_for_timeout(100)
    return False


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_front_page_is_spanish_and_switches_to_english(live_site, page):
    live_site.cli("seed", "--articles", "40", "--seed", "3")
    # Seeding queues a whole build; the publisher makes it live.
    assert _published(page, live_site.url + "/",
                      lambda p: p.locator("main a[href*='/es/article/']").count() > 0)
    assert page.url.endswith("/es/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.locator('a[hreflang="en"]').first.click()
    assert page.url.endswith("/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main a[href*='/en/article/']").count() > 0


def test_submit_approve_hide(live_site, browser, page):
    live_site.cli("createuser", "carmen", "--role", "editor", "--password", EDITOR_PASSWORD)

    # A newcomer registers and submits an article: it waits in the queue.
    page.goto(live_site.url + "/es/account/register/")
    page.fill('input[name="username"]', "colectivo-valle")
    page.fill('input[name="password1"]', READER_PASSWORD)
    page.fill('input[name="password2"]', READER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/es/mine/")

    page.goto(live_site.url + "/es/write/")
    page.fill('input[name="title"]', TITLE)
    page.fill('textarea[name="lede"]', "Vecinos acuerdan un plan de agua.")
    page.fill('textarea[name="body"]', "La asamblea votó **por unanimidad**.")
    page.select_option('select[name="language"]', "es")
    page.select_option('select[name="section"]', index=1)
    page.locator('button[name="action"][value="submit"]').click()
    assert page.locator(".messages").count() == 1
    article_url = live_site.url + "/es/article/asamblea-del-consejo-comunal-de-el-valle/"
    assert _status(article_url) == 404  # not public before review

    # An editor signs in: password, then TOTP set-up with the app's first code.
    editor = browser.new_context(locale="es-VE").new_page()
    editor.goto(live_site.url + "/es/account/login/")
    editor.fill('input[name="username"]', "carmen")
    editor.fill('input[name="password"]', EDITOR_PASSWORD)
    editor.locator("main form button[type=submit]").click()
    assert "/account/two-factor/setup/" in editor.url
    editor.fill('input[name="code"]', _totp_now(editor.inner_text("code.secret")))
    editor.locator("main form button[type=submit]").click()
    assert editor.url.endswith("/es/editor/")

    # The queue shows the submission; the editor approves it.
    editor.get_by_role("link", name=TITLE).click()
    _form_with_action(editor, "approve").locator("button[type=submit]").click()
    assert _published(editor, live_site.url + "/es/",
                      lambda p: p.get_by_role("link", name=TITLE).count() >= 1)
    assert _status(article_url) == 200

    # Hiding needs a reason; readers see it on the article and in the public log.
    editor.goto(live_site.url + "/es/editor/")
    editor.get_by_role("link", name=TITLE).first.click()
    hide = _form_with_action(editor, "hide")
    hide.locator("textarea[name=reason]").fill("Datos personales de vecinos publicados.")
    hide.locator("button[type=submit]").click()

    assert _published(page, article_url, lambda p: p.locator(".banner").count() == 1)
    assert "Datos personales de vecinos publicados." in page.locator(".banner").inner_text()
    page.goto(live_site.url + "/es/moderation/")
    assert "Datos personales de vecinos publicados." in page.locator("main").inner_text()
    page.goto(live_site.url + "/es/hidden/")
    assert page.get_by_role("link", name=TITLE).count() == 1
