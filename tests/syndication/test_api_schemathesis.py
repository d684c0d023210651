"""Schemathesis against the OpenAPI document: for every operation, generated
requests never get a 5xx, and every answer's status, content type and body are
the ones the document promises.

The app is called in-process through WSGI, on the test database (SQLite or
PostgreSQL, whichever the run uses), seeded with articles, a contributor's token
and an editor's token and TOTP device; the editor's code is computed at call time.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from altavoz.newsroom.models import Article, Tag
from altavoz.people import tokens
from altavoz.people.models import User
from tests.conftest import current_code, make_article, make_user, totp_device

# Small on purpose: the whole file stays well under a minute on either database,
# and the hand-written tests cover the cases that matter one by one.
MAX_EXAMPLES = 15
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes database connections around each request; the test's
    transaction lives on one. Keep it open, as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(section, contributor, organization) -> dict:
    """A few public articles of every kind, and headers that authenticate."""
    water = Tag.objects.create(slug="agua", name="Agua")
    now = timezone.now()
    published = make_article(contributor, section, title="Asamblea", status="published",
                             published_at=now)
    published.tags.add(water)
    make_article(contributor, section, title="Assembly", language="en", status="published",
                 group=published.group, published_at=now)
    make_article(contributor, section, title="Oculta", status=Article.Status.HIDDEN,
                 hidden_reason="Datos personales.")
    make_article(contributor, section, title="Comunicado", status="published",
                 organization=organization)
    make_article(contributor, section, title="En cola", status=Article.Status.PENDING,
                 submitted_at=now)
    editor = make_user("carmen", User.Role.EDITOR)
    device = totp_device(editor)
    return {
        "contributor": tokens.issue(contributor)[1],
        "editor": tokens.issue(editor)[1],
        "device": device,
        "published": published,
    }


def auth_headers(operation, seeded: dict) -> dict[str, str]:
    security = operation.definition.raw.get("security") or []
    if {"EditorAuth": []} in security:
        return {"Authorization": f"Bearer {seeded['editor']}",
                "X-OTP-Code": current_code(seeded["device"])}
    if security:
        return {"Authorization": f"Bearer {seeded['contributor']}"}
    return {}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_every_operation_keeps_its_promises(case, seeded):
    case.call_and_validate(headers=auth_headers(case.operation, seeded), checks=CHECKS)


def test_successful_answers_match_the_schema_too(seeded):
    """Generated data rarely names a real article or section, so the happy paths
    are checked against the same document with known-good requests."""
    published = seeded["published"]
    pending = Article.objects.get(status=Article.Status.PENDING)
    requests = [
        ("/api/v1/articles", "GET", {}, {"query": {"tag": "agua", "language": "es"}}, 200),
        ("/api/v1/articles", "GET", {}, {"query": {"page_size": 1, "page": 2}}, 200),
        ("/api/v1/articles/{article_id}", "GET", {"article_id": published.pk}, {}, 200),
        ("/api/v1/articles/{lang}/{slug}", "GET", {"lang": "es", "slug": "oculta"}, {}, 200),
        ("/api/v1/articles", "POST", {}, {"body": {
            "title": "Nueva", "lede": "Resumen.", "body": "Texto.", "language": "es",
            "section": "news", "tags": ["agua"], "organization": "consejo-comunal-el-valle",
        }}, 201),
        ("/api/v1/articles/{article_id}/comments", "POST", {"article_id": published.pk},
         {"body": {"body": "De acuerdo."}}, 201),
        ("/api/v1/moderation/queue", "GET", {}, {}, 200),
        ("/api/v1/articles/{article_id}/moderation", "POST", {"article_id": pending.pk},
         {"body": {"action": "approve", "reason": "ok"}}, 200),
        ("/api/v1/articles/{article_id}/moderation", "POST", {"article_id": pending.pk},
         {"body": {"action": "hide", "reason": "Datos personales."}}, 200),
    ]
    for path, method, params, extra, status in requests:
        operation = schema[path][method]
        case = operation.Case(path_parameters=params, media_type="application/json"
                              if "body" in extra else None, **extra)
        response = case.call_and_validate(headers=auth_headers(operation, seeded),
                                          checks=CHECKS)
        assert response.status_code == status, (path, method, response.text[:300])
