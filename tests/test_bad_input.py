"""Bad input anywhere gets a 4xx with a message; nothing answers 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEMPLATES = Path(__file__).resolve().parent.parent / "altavoz" / "templates"
POST_FORMS = ["/es/account/register/", "/es/account/login/", "/es/write/",
              "/es/account/two-factor/", "/es/editor/bulk/"]


def test_every_post_form_in_the_templates_carries_a_csrf_token():
    missing = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for form in re.findall(r"<form[^>]*>.*?</form>", text, flags=re.S | re.I):
            if re.search(r"method=\"?post", form, re.I) and "{% csrf_token %}" not in form:
                missing.append(f"{template.relative_to(TEMPLATES)}: {form[:80]}")
    assert missing == []


@pytest.mark.parametrize("url", POST_FORMS)
def test_posting_without_the_csrf_token_is_refused(db, contributor, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    response = client.post(url, {"username": "x", "password": "y", "title": "t"})
    assert response.status_code == 403


def test_oversize_request_gets_a_400_page_with_a_message(contributor_client, section, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    response = contributor_client.post("/es/write/", {
        "title": "Largo", "lede": "x", "body": "palabra " * 20_000,
        "language": "es", "section": section.pk, "action": "submit",
    })
    assert response.status_code == 400
    assert b"<h1" in response.content


def test_too_many_fields_gets_a_400(contributor_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    response = contributor_client.post("/es/write/", {f"f{i}": "x" for i in range(200)})
    assert response.status_code == 400


SEGMENT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/?#"),
    min_size=1, max_size=30,
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    prefix=st.sampled_from([
        "/es/", "/en/", "/es/article/", "/en/tag/", "/es/section/", "/es/contributor/",
        "/es/organization/", "/es/search/?q=", "/es/?page=", "/es/editor/article/",
        "/es/write/", "/es/page/", "/es/hidden/page/", "/en/moderation/page/",
        "/es/moderation/comments/page/", "/es/organizations/page/",
    ]),
    segment=SEGMENT,
)
def test_junk_addresses_never_answer_500(db, prefix: str, segment: str):
    from urllib.parse import quote

    response = Client(raise_request_exception=False).get(prefix + quote(segment, safe=""))
    assert response.status_code < 500, (prefix, segment)
