"""One error format for the whole API, whatever went wrong and wherever:

    {"error": {"code": "not_found", "message": "…", "fields": {"title": ["…"]}}}

`code` is for programs (stable, English), `message` for people (in the
language the request asked for with Accept-Language, else the site's default:
LocaleMiddleware has already chosen it, the same way it does for pages outside
the language prefixes). `fields` appears only when particular inputs were wrong.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

logger = logging.getLogger(__name__)

# Error codes by status, for errors that carry no more specific code.
_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "rate_limited", 500: "server_error",
}
# Where ninja says an input came from; the field name follows it.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_JSON_TYPES = ("application/json", "application/problem+json")
# The key for problems that concern the request as a whole, not one field.
NON_FIELD = "non_field_errors"


class ApiError(Exception):
    """An answer the API gives on purpose: status, code, a message for people."""

    def __init__(self, status: int, message: str, *, code: str = "",
                 fields: Mapping[str, list[str]] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers or {})


def error_response(error: ApiError) -> JsonResponse:
    body: dict[str, Any] = {"code": error.code, "message": str(error.message)}
    if error.fields:
        body["fields"] = {name: [str(m) for m in msgs] for name, msgs in error.fields.items()}
    response = JsonResponse(
        {"error": body}, status=error.status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


class JsonOnlyParser(Parser):
    """Request bodies are JSON, and say so; anything else is refused with a reason.

    ninja wraps whatever this raises in a 400; `_http_error` below unwraps our
    ApiError again so that the status and message survive.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = (request.content_type or "").lower()
        if content_type not in _JSON_TYPES and not content_type.endswith("+json"):
            raise ApiError(415, _("Send the request body as JSON, with the header "
                                  "Content-Type: application/json."))
        try:
            return json.loads(request.body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ApiError(400, _("The request body is not valid JSON: %(problem)s.")
                           % {"problem": _json_problem(exc)}) from exc


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return _("%(what)s at line %(line)d, column %(column)d") % {
            "what": exc.msg, "line": exc.lineno, "column": exc.colno}
    if isinstance(exc, UnicodeDecodeError):
        return _("it is not UTF-8 text")
    return _("it is nested too deeply")


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    # Body models arrive as one parameter ("payload"); the field is what follows.
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def _pydantic_message(error: Mapping[str, Any]) -> str:
    """Pydantic's messages, in the reader's language for the common cases."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    messages: dict[str, Callable[[], str]] = {
        "missing": lambda: _("This field is required."),
        "string_too_long": lambda: _("At most %(n)s characters.") % {"n": ctx.get("max_length")},
        "string_too_short": lambda: _("At least %(n)s characters.") % {"n": ctx.get("min_length")},
        "too_long": lambda: _("At most %(n)s items.") % {"n": ctx.get("max_length")},
        "int_parsing": lambda: _("Give a whole number."),
        "int_type": lambda: _("Give a whole number."),
        "less_than_equal": lambda: _("At most %(n)s.") % {"n": ctx.get("le")},
        "greater_than_equal": lambda: _("At least %(n)s.") % {"n": ctx.get("ge")},
        "string_type": lambda: _("Give text (a JSON string)."),
        "date_from_datetime_parsing": lambda: _("Give a date as YYYY-MM-DD."),
        "date_parsing": lambda: _("Give a date as YYYY-MM-DD."),
        "datetime_parsing": lambda: _("Give a date and time as YYYY-MM-DDTHH:MM:SS+00:00."),
        "datetime_from_date_parsing": lambda: _(
            "Give a date and time as YYYY-MM-DDTHH:MM:SS+00:00."),
        "enum": lambda: _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected")},
        "literal_error": lambda: _("Choose one of: %(choices)s.")
        % {"choices": ctx.get("expected")},
        "string_pattern_mismatch": lambda: _("This value has characters that are not allowed."),
        "model_attributes_type": lambda: _("Send a JSON object with the fields described in "
                                           "the API schema."),
        "dict_type": lambda: _("Send a JSON object with the fields described in the API schema."),
        "list_type": lambda: _("Give a list."),
        "value_error": lambda: str(ctx.get("error") or error.get("msg", "")),
    }
    make = messages.get(kind)
    return make() if make else str(error.get("msg", _("This value is not valid.")))


def fields_from_django(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {}
    return {(NON_FIELD if name == "__all__" else name): messages
            for name, messages in exc.message_dict.items()}


def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        name = _field_name(error.get("loc", ()))
        if name == NON_FIELD and error.get("type") == "missing":
            message = _("The request has no body. Send a JSON object with the fields "
                        "described in the API schema.")
        else:
            message = _pydantic_message(error)
        fields.setdefault(name, []).append(message)
    return error_response(ApiError(422, _("Some values are not valid; see the fields."),
                                   code="invalid", fields=fields))


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiError):
        return error_response(exc.__cause__)
    if isinstance(exc, AuthenticationError):
        return error_response(ApiError(
            401, _("This needs an API token: send it in the header "
                   "Authorization: Bearer <token>."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        ))
    headers = {}
    if isinstance(exc, Throttled) and exc.wait:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    return error_response(ApiError(exc.status_code, str(exc), headers=headers))


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A bug: log it, and still answer in the API's format.
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(ApiError(500, _("Something went wrong on our side. Nothing you did "
                                          "caused it; please try again in a few minutes.")))


def install(api: NinjaAPI) -> None:
    """Route every exception the API can meet to the one error format."""
    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        ApiError: lambda request, exc: error_response(exc),
        NinjaValidationError: _validation_error,
        HttpError: _http_error,
        Http404: lambda request, exc: error_response(ApiError(404, _not_found_text(exc))),
        RequestDataTooBig: lambda request, exc: error_response(ApiError(413, _(
            "The request is too large. Send a shorter text."))),
        PermissionDenied: lambda request, exc: error_response(
            ApiError(403, str(exc) or _("You may not do this."))),
        DjangoValidationError: lambda request, exc: error_response(ApiError(
            422, " ".join(exc.messages), code="invalid", fields=fields_from_django(exc))),
        Exception: _server_error,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


def _not_found_text(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else ""
    return str(detail) if isinstance(detail, str) and detail else not_found_message()


def not_found_message() -> str:
    return _("There is nothing at this address. The API's operations are listed in "
             "/api/v1/openapi.json.")


@csrf_exempt  # it changes nothing; without this a POST would get Django's HTML 403
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any address under /api/v1/ that names no operation."""
    return error_response(ApiError(404, not_found_message()))


def json_method_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a wrong method with a plain-text 405; give the API's JSON instead."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            return error_response(ApiError(
                405, _("This address does not accept %(method)s; it accepts %(allowed)s.")
                % {"method": request.method, "allowed": allowed or "-"},
                headers={"Allow": allowed} if allowed else None,
            ))
        return response

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return wrapped
