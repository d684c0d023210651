"""The JSON API under /api/v1/ (django-ninja), and its OpenAPI 3 document at
/api/v1/openapi.json.

No docs page: ninja's loads Swagger UI from a CDN, and no page of ours makes a
reader's browser talk to another host. The OpenAPI document is the manual.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import NinjaAPI

from altavoz.syndication import api_articles, api_comments, api_errors, api_moderation
from altavoz.syndication.api_auth import OTP_HEADER

DESCRIPTION = f"""
The newsroom's JSON API.

**Reading** (`GET /articles…`) needs no token.

**Writing** needs a token: `Authorization: Bearer avz_…`. An operator makes one with
`altavoz createuser NAME --role contributor --token`; it is shown once and stored
only as a hash. Signed-in browser sessions are not accepted here.

**Moderating** needs an editor's or admin's token *and* a current code from their
authenticator app in the header `{OTP_HEADER}`: editors cannot act without two-factor
authentication, here as on the site. A code accepted once may be sent again with
the same token while it is current (about 90 seconds).

**Errors** always look like
`{{"error": {{"code": "not_found", "message": "…", "fields": {{"title": ["…"]}}}}}}`:
`code` is stable for programs; `message` is for people, in the language asked for
with `Accept-Language` (else the site's default); `fields` names the inputs at fault.
Request bodies are JSON (`Content-Type: application/json`).

**Addresses** in answers (`url`, `next`…) are relative to the site's address, so
they hold behind any edge, mirror or onion address.
"""

api = NinjaAPI(
    title="altavoz",
    version="1",
    description=DESCRIPTION,
    docs_url=None,
    urls_namespace="api-v1",
    parser=api_errors.JsonOnlyParser(),
)
api_errors.install(api)
# Order matters: /articles/{id}/comments must be tried before /articles/{lang}/{slug}.
api.add_router("", api_moderation.router)
api.add_router("", api_comments.router)
api.add_router("", api_articles.router)


@csrf_exempt  # read-only; the API never uses CSRF tokens
def index(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse({"openapi": request.path + "openapi.json"})


def _json_patterns(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    result: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name == "api-root":
            # ninja's root page would point at the docs page we do not have.
            root = api_errors.json_method_errors(require_safe(index))
            result.append(path("", root, name="api-root"))
            continue
        if isinstance(pattern, URLPattern):
            pattern.callback = api_errors.json_method_errors(pattern.callback)
        result.append(pattern)
    return result


_patterns, _app_name, _namespace = api.urls
urlpatterns = [
    path("", (_json_patterns(_patterns), _app_name, _namespace)),
    # Whatever else is asked under /api/v1/ gets the API's JSON 404, not a page.
    re_path(r"", api_errors.not_found),
]
