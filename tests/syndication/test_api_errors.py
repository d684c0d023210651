"""One JSON error format for everything that can go wrong under /api/v1/, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from altavoz.people import tokens


@pytest.fixture
def client(db):
    """Messages in English, the source language, whatever the catalogs hold."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def auth(contributor) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue(contributor)[1]}"}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and len(error["message"]) > 10
    return error


@pytest.mark.parametrize("url", [
    "/api/v1/nothing", "/api/v1/articles/", "/api/v1/articles/es/x/y", "/api/v2/articles",
    "/api/v1/openapi.yaml", "/api/v1/docs", "/api/v1/%00",
])
def test_unknown_addresses_are_a_json_404(client, db, url):
    if url.startswith("/api/v2"):
        assert client.get(url).status_code == 404  # outside the API: the site's page
        return
    assert error_of(client.get(url), 404)["code"] == "not_found"
    # No CSRF refusal (an HTML page) for unknown addresses either.
    assert error_of(client.post(url, {}, content_type="application/json"), 404)


def test_wrong_method_is_a_json_405_with_allow(client, db):
    response = client.delete("/api/v1/articles")
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert "DELETE" in error["message"]
    error_of(client.put("/api/v1/articles/es/x", {}), 405)
    error_of(client.get("/api/v1/articles/1/comments"), 405)


@pytest.mark.parametrize("body", [b"{", b"{'single': 'quotes'}", b"\xff\xfe", b"[" * 100_000])
def test_malformed_json_is_a_400_that_says_where(client, section, auth, body):
    response = client.post("/api/v1/articles", body, content_type="application/json", **auth)
    error = error_of(response, 400)
    assert error["code"] == "bad_request"
    assert "JSON" in error["message"]


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"null", b"42"])
def test_json_that_is_not_an_object_is_a_422(client, section, auth, body):
    response = client.post("/api/v1/articles", body, content_type="application/json", **auth)
    assert error_of(response, 422)["fields"]


def test_an_empty_body_says_what_to_send(client, section, auth):
    response = client.post("/api/v1/articles", b"", content_type="application/json", **auth)
    fields = error_of(response, 422)["fields"]
    assert "JSON object" in fields["non_field_errors"][0]
    response = client.post("/api/v1/articles", b"{}", content_type="application/json", **auth)
    fields = error_of(response, 422)["fields"]
    assert {"title", "lede", "body", "language", "section"} <= set(fields)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain",
                                          "multipart/form-data; boundary=x"])
def test_other_content_types_are_a_415(client, section, auth, content_type):
    response = client.post("/api/v1/articles", b"title=x", content_type=content_type, **auth)
    error = error_of(response, 415)
    assert "application/json" in error["message"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_an_oversize_body_is_a_413(client, section, auth):
    payload = json.dumps({"title": "x", "body": "y" * 20_000})
    response = client.post("/api/v1/articles", payload, content_type="application/json", **auth)
    assert error_of(response, 413)["code"] == "too_large"


def test_no_csrf_token_is_needed_with_a_token(section, contributor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    raw = tokens.issue(contributor)[1]
    response = strict.post("/api/v1/articles", {"title": "x"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 422  # reached validation: no CSRF refusal


def test_the_openapi_document(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/articles", "/api/v1/articles/{lang}/{slug}",
            "/api/v1/articles/{article_id}", "/api/v1/articles/{article_id}/comments",
            "/api/v1/articles/{article_id}/moderation",
            "/api/v1/moderation/queue"} <= set(schema["paths"])
    assert "X-OTP-Code" in schema["info"]["description"]
    moderate = schema["paths"]["/api/v1/articles/{article_id}/moderation"]["post"]
    assert moderate["security"] == [{"EditorAuth": []}]
    assert any(p["name"] == "X-OTP-Code" for p in moderate["parameters"])
    assert schema["paths"]["/api/v1/articles"]["get"].get("security") is None
    assert "ErrorOut" in schema["components"]["schemas"]


def test_no_docs_page_that_would_load_a_cdn(client, db):
    index = client.get("/api/v1/")
    assert index.status_code == 200 and index.json() == {"openapi": "/api/v1/openapi.json"}
    assert client.get("/api/v1/docs").status_code == 404
    assert b"cdn" not in client.get("/api/v1/openapi.json").content.lower()
