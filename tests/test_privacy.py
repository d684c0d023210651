"""No raw IP address is stored at rest (DESIGN.md, principle 5).

A visitor with distinctive addresses goes through everything that writes:
registering, failing and passing log-in, two-factor codes, submitting, editing,
commenting, reporting, the API. Then every row of every table, the cache and
the captured logs are searched for those addresses and their networks."""

from __future__ import annotations

import logging
import pickle

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client

from altavoz.debate.models import Comment
from tests.conftest import PASSWORD, current_code, make_article, make_user, totp_device

IPV4 = "198.51.100.23"
IPV6 = "2001:db8:77:1::5"
NEEDLES = ["198.51.100", "2001:db8:77", "2001:0db8:0077"]


def _all_rows_text() -> str:
    chunks: list[str] = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            chunks.append(repr(row))
    return "\n".join(chunks)


def _cache_text() -> str:
    store = getattr(cache, "_cache", {})
    chunks = [repr(key) for key in store]
    for value in store.values():
        try:
            chunks.append(repr(pickle.loads(value)))
        except Exception:  # noqa: BLE001 - a value we cannot read is shown raw
            chunks.append(repr(value))
    return "\n".join(chunks)


def _visit(address: str, editor, section) -> None:
    client = Client(REMOTE_ADDR=address)
    client.post("/es/account/register/", {
        "username": f"visitante{address.count(':')}", "password1": PASSWORD,
        "password2": PASSWORD,
    })
    client.post("/es/write/", {
        "title": "Desde la comunidad", "lede": "Resumen", "body": "Texto",
        "language": "es", "section": section.pk, "tags": "agua", "action": "submit",
    })
    Client(REMOTE_ADDR=address).post(
        "/es/account/login/", {"username": editor.username, "password": "wrong password"}
    )
    anonymous = Client(REMOTE_ADDR=address)
    anonymous.post("/es/write/", {
        "title": "Anónimo", "lede": "Resumen", "body": "Texto",
        "language": "es", "section": section.pk, "action": "submit",
    })
    anonymous.get("/es/search/?q=agua")
    _debate(address, section)
    editor_client = Client(REMOTE_ADDR=address)
    editor_client.post("/es/account/login/", {"username": editor.username, "password": PASSWORD})
    editor_client.post("/es/account/two-factor/", {"code": "000000"})


def _debate(address: str, section) -> None:
    """Comment and report from the address, as a settled account would."""
    from datetime import timedelta

    from django.utils import timezone

    article = make_article(None, section, title=f"Debate {address.count(':')}", status="published",
                           slug=f"debate-{address.count(':')}")
    old = timezone.now() - timedelta(days=30)
    writer = make_user(f"comenta{address.count(':')}", date_joined=old)
    reporter = make_user(f"reporta{address.count(':')}", date_joined=old)
    client = Client(REMOTE_ADDR=address)
    client.force_login(writer)
    client.post(f"/es/article/{article.slug}/comment/", {"body": "Estoy de acuerdo."})
    comment = Comment.objects.get(article=article)
    client = Client(REMOTE_ADDR=address)
    client.force_login(reporter)
    client.post(f"/es/comment/{comment.pk}/report/", {"reason": "spam", "note": "no"})
    assert comment.reports.count() == 1


@pytest.mark.django_db
def test_no_address_is_stored_anywhere(editor, section, caplog):
    caplog.set_level(logging.DEBUG)
    totp_device(editor)
    for address in (IPV4, IPV6):
        _visit(address, editor, section)
    stored = _all_rows_text()
    assert "Desde la comunidad" in stored  # the visit really wrote something
    for needle in NEEDLES:
        assert needle not in stored, f"{needle} found in the database"
        assert needle not in _cache_text(), f"{needle} found in the cache"
        assert needle not in caplog.text, f"{needle} found in the logs"


def test_the_search_would_find_a_stored_address(db, contributor):
    # Proof that the search above can fail: store an address on purpose.
    contributor.bio = f"escribo desde {IPV4}"
    contributor.save()
    assert NEEDLES[0] in _all_rows_text()


def test_code_is_checked_without_storing_the_address(editor):
    device = totp_device(editor)
    client = Client(REMOTE_ADDR=IPV4)
    client.post("/es/account/login/", {"username": editor.username, "password": PASSWORD})
    client.post("/es/account/two-factor/", {"code": current_code(device)})
    assert NEEDLES[0] not in _all_rows_text()
