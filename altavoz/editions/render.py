"""Render one public path in-process, through Django's whole middleware stack,
as an anonymous reader without cookies, and keep what an edition stores.

One handler is loaded once and reused: a test Client per page would rebuild
request machinery each time, and Django's request signals would close the
database connection after every page (SQLite then reopens it, with its PRAGMAs).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.core import signals
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections
from django.http import HttpResponseBase

from altavoz.config import ConfigError

# Headers an edition does not copy: the manifest has fields for them (type,
# lang, etag, cache), the edge computes them (length, date), or they make no
# sense for bytes that are the same for every reader (Vary). Onion-Location is
# the same for every page of the site: the edge adds it from the site's address.
_NOT_COPIED = {
    "content-type", "content-language", "content-length", "vary", "cache-control",
    "expires", "etag", "last-modified", "date", "set-cookie", "onion-location",
}


class RenderError(Exception):
    """A public path did not render as a public page; the message names it."""


@dataclass
class Rendered:
    path: str
    body: bytes
    content_type: str
    lang: str | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BaseUrl:
    """ALTAVOZ_BASE_URL: the address feeds, the sitemap and robots.txt name."""

    scheme: str
    host: str  # host[:port], as the Host header
    server_name: str  # as ALLOWED_HOSTS spells it ([::1] for IPv6)
    server_port: str

    @classmethod
    def parse(cls, raw: str) -> BaseUrl:
        parts = urlsplit(raw.strip())
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in {"http", "https"} or not parts.hostname or port == -1:
            raise ConfigError(f"ALTAVOZ_BASE_URL must be http(s)://host[:port], got {raw!r}")
        if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
            # Every page links root-relative; a prefix is `altavoz export --base-url`'s job.
            raise ConfigError(f"ALTAVOZ_BASE_URL must be only scheme and host, got {raw!r}")
        name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        default = 443 if parts.scheme == "https" else 80
        return cls(scheme=parts.scheme, host=parts.netloc.lower(), server_name=name,
                   server_port=str(port or default))

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"


class _Handler(BaseHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware()


class Renderer:
    """Use inside `with renderer.session():`, which accepts the base URL's
    host and keeps one database connection for the whole build."""

    def __init__(self, base_url: BaseUrl) -> None:
        self.base = base_url
        self._handler = _Handler()
        self._languages = {code for code, _name in settings.LANGUAGES}
        self._failure: tuple[type[BaseException], BaseException, TracebackType] | None = None

    @contextmanager
    def session(self) -> Iterator[Renderer]:
        hosts = settings.ALLOWED_HOSTS
        settings.ALLOWED_HOSTS = [*hosts, self.base.server_name]
        closing = [s for s in (signals.request_started, signals.request_finished)
                   if s.disconnect(close_old_connections)]
        signals.got_request_exception.connect(self._remember_failure)
        try:
            yield self
        finally:
            signals.got_request_exception.disconnect(self._remember_failure)
            for signal in closing:
                signal.connect(close_old_connections)
            settings.ALLOWED_HOSTS = hosts

    def _remember_failure(self, sender: object, request: object = None, **kwargs: object) -> None:
        self._failure = sys.exc_info()  # type: ignore[assignment]

    def _environ(self, path: str) -> dict[str, object]:
        return {
            # WSGI's PATH_INFO is the decoded path, its bytes as latin-1 (PEP 3333).
            "REQUEST_METHOD": "GET", "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": self.base.server_name, "SERVER_PORT": self.base.server_port,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": self.base.host, "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": self.base.scheme, "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }

    def render(self, path: str) -> Rendered:
        """The 200 response at `path`, or RenderError: any other status, or a
        cookie (an edition page is the same bytes for everyone, and a cookie
        would be handed to every reader)."""
        self._failure = None
        response: HttpResponseBase = self._handler.get_response(WSGIRequest(self._environ(path)))
        try:
            # FileResponse (covers, attachments) streams; pages do not.
            body = (b"".join(response.streaming_content) if response.streaming  # type: ignore
                    else response.content)  # type: ignore[attr-defined]
        finally:
            response.close()
        if response.status_code != 200:
            raise RenderError(self._status_message(path, response))
        if response.cookies:
            names = ", ".join(sorted(response.cookies))
            raise RenderError(
                f"{path} sets a cookie ({names}): a public page must never set cookies, "
                "since an edition serves the same bytes, cookie included, to every reader"
            )
        return Rendered(
            path=path, body=body, content_type=response.get("Content-Type", ""),
            lang=self._lang(path, response), headers=self._extra_headers(response),
        )

    def _status_message(self, path: str, response: HttpResponseBase) -> str:
        message = f"{path} answered {response.status_code}"
        if response.has_header("Location"):
            message += f" (to {response['Location']}; list the target instead)"
        if self._failure is not None:
            exc = self._failure[1]
            message += f": {type(exc).__name__}: {exc}"
        return message

    def _lang(self, path: str, response: HttpResponseBase) -> str | None:
        # Content-Language is only the page's language under a language prefix;
        # elsewhere (/sitemap.xml, /api/…) it is the default the middleware fell back to.
        prefix = path.split("/", 2)[1] if path.count("/") >= 2 else ""
        if prefix in self._languages:
            return response.get("Content-Language") or prefix
        return None

    @staticmethod
    def _extra_headers(response: HttpResponseBase) -> dict[str, str]:
        return {
            name: value for name, value in response.items()
            if name.lower() not in _NOT_COPIED
        }
