"""Responses made from an edition's Resource, and the edge's own small responses.

`tail` is one of clock.TAILS: the Date header and how the connection goes on;
it ends every head. For HEAD the body is left out and nothing else changes.
"""

from __future__ import annotations

import json

from altavoz.shield import pages
from altavoz.shield.edition import Edition, Resource
from altavoz.shield.http import encoding_code, parse_range, status_line


def from_resource(res: Resource, ae: bytes | None, inm: bytes | None, rng: bytes | None,
                  if_range: bytes | None,
                  head_only: bool) -> tuple[bytes, bytes | None, int]:
    """(head without its Date and end, body or None, status) for a GET or HEAD of
    an edition path: 304 when the client holds it, 206/416 for a byte range."""
    if inm is not None:
        held = res.matching(inm)
        if held is not None:
            return held.not_modified, None, 304
    if rng is not None and res.rangeable and (if_range is None
                                              or if_range == res.identity.etag):
        ranged = _ranged(res, rng)
        if ranged is not None:
            head, part, status = ranged
            return head, None if head_only else part, status
    variant = res.pick[encoding_code(ae)]
    return variant.head, None if head_only else variant.body, 200


def _ranged(res: Resource, header: bytes) -> tuple[bytes, bytes | None, int] | None:
    body = res.identity.body
    size = len(body)
    span = parse_range(header, size)
    if span is None:
        return None
    if span is False:
        head = (status_line(416) + b"Content-Range: bytes */" + str(size).encode()
                + b"\r\nContent-Length: 0\r\n")
        return head, None, 416
    first, last = span  # type: ignore[misc]
    part = body[first:last + 1]
    head = (status_line(206) + res.common + b"ETag: " + res.identity.etag
            + b"\r\nContent-Range: bytes " + f"{first}-{last}/{size}".encode()
            + b"\r\nContent-Length: " + str(len(part)).encode() + b"\r\n")
    return head, part, 206


def simple(status: int, body: bytes, tail: bytes, head_only: bool = False,
           content_type: bytes = pages.HTML, extra: bytes = b"") -> bytes:
    """A complete small response. `extra` holds whole header lines."""
    head = (status_line(status) + b"Content-Type: " + content_type + b"\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\nCache-Control: no-store\r\n" + extra)
    return head + tail if head_only else head + tail + body


def not_found(edition: Edition | None, lang: str, ae: bytes | None, head_only: bool,
              tail: bytes) -> bytes:
    """The edition's own 404 page when it has one, else the built-in bilingual one."""
    own = edition.not_found.get(lang) if edition else None
    if own is not None:
        variant = own.pick[encoding_code(ae)]
        return variant.head + tail if head_only else variant.head + tail + variant.body
    return simple(404, pages.BILINGUAL[404], tail, head_only)


def error(status: int, tail: bytes, head_only: bool = False, api: bool = False,
          lang: str = "es", retry_after: int | None = None, body: bytes | None = None) -> bytes:
    extra = b"Retry-After: " + str(retry_after).encode() + b"\r\n" if retry_after else b""
    if status == 405:
        extra += b"Allow: GET, HEAD\r\n"
    if api:
        return simple(status, pages.api_error(status, lang), tail, head_only, pages.JSON, extra)
    return simple(status, body if body is not None else pages.BILINGUAL.get(
        status, pages.BILINGUAL[400]), tail, head_only, pages.HTML, extra)


def redirect(location: bytes, tail: bytes, permanent: bool = True) -> bytes:
    return (status_line(301 if permanent else 302) + b"Location: " + location
            + b"\r\nContent-Length: 0\r\nCache-Control: public, max-age=60\r\n" + tail)


def healthz(edition: Edition | None, attack_level: str, head_only: bool,
            tail: bytes) -> tuple[bytes, int]:
    if edition is None:
        body = json.dumps({"edition": None, "level": attack_level, "paths": 0}).encode()
        status = 503
    else:
        body = json.dumps({"edition": edition.id, "level": attack_level,
                           "paths": edition.count}).encode()
        status = 200
    return simple(status, body, tail, head_only, pages.JSON), status
