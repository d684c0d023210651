"""Counters, and the Prometheus text endpoint on a separate listener.

Counters are plain integer attributes (one add per request costs nothing worth
measuring). The listener is not the public port: it binds where
ALTAVOZ_EDGE_METRICS_LISTEN says (loopback by default), so only the operator's
dashboard or Prometheus reaches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

_HELP = {
    "edition": "Requests answered from the edition in memory (200, 206, 3xx).",
    "not_modified": "Conditional requests answered 304 Not Modified.",
    "forwarded": "Requests forwarded to the origin.",
    "origin_errors": "Forwarded requests the origin did not answer (down, 502, 504).",
    "client_errors": "Responses with a 4xx status.",
    "server_errors": "Responses with a 5xx status.",
    "shed": "Forwarded requests refused with 503 because the origin queue was full.",
    "replayed": "Edition answers given from the replay cache, without parsing (included "
                "in edition and not_modified).",
    "connections": "Connections accepted.",
    "connections_refused": "Connections closed at once (too many in all or per client).",
    "timeouts": "Connections closed by a read or send timeout (slowloris, idle, slow read).",
    "bytes_sent": "Bytes of response heads and bodies written to clients.",
    "challenged": "Requests answered with the challenge page (challenge.py).",
    "cleared": "Clearance cookies given for a solved challenge or a ripe wait token.",
    "challenge_refused": "Challenge answers refused: wrong, forged, stale, from another "
                         "network, or malformed (a fresh challenge is sent).",
    "searches": "Searches run on the edition's index (search.py): SQLite queries.",
    "search_cached": "Searches answered from the results cache, or by a run of the same "
                     "query already under way.",
    "search_shed": "Searches refused with 503: the search queue was full, or the query "
                   "ran out of time.",
}


# (name, "counter" or "gauge", help, {'budget="read",scope="client"': value}): series
# that carry labels, or that other objects count (the limiter, the detector).
Labelled = tuple[str, str, str, dict[str, float]]


class Metrics:
    edition = not_modified = forwarded = origin_errors = client_errors = server_errors = 0
    shed = replayed = connections = connections_refused = timeouts = bytes_sent = 0
    challenged = cleared = challenge_refused = 0
    searches = search_cached = search_shed = 0

    def render(self, gauges: dict[str, tuple[float, str]],
               labelled: tuple[Labelled, ...] = ()) -> bytes:
        lines: list[str] = []
        for name, text in _HELP.items():
            metric = f"altavoz_edge_{name}_total"
            lines += [f"# HELP {metric} {text}", f"# TYPE {metric} counter",
                      f"{metric} {getattr(self, name)}"]
        for name, (value, text) in gauges.items():
            metric = f"altavoz_edge_{name}"
            lines += [f"# HELP {metric} {text}", f"# TYPE {metric} gauge", f"{metric} {value}"]
        for metric, kind, text, values in labelled:
            metric = f"altavoz_edge_{metric}"
            lines += [f"# HELP {metric} {text}", f"# TYPE {metric} {kind}"]
            lines += [f"{metric}{{{labels}}} {value}" if labels else f"{metric} {value}"
                      for labels, value in values.items()]
        return ("\n".join(lines) + "\n").encode()


class MetricsProtocol(asyncio.Protocol):
    """Answers any request with the metrics, then closes. Reads at most 8 KiB."""

    def __init__(self, render: Callable[[], bytes]) -> None:
        self.render = render
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        if b"\r\n\r\n" not in self.buffer and b"\n\n" not in self.buffer:
            if len(self.buffer) > 8192:
                self.transport.close()
            return
        first = self.buffer.split(b"\r\n", 1)[0].split(b" ")
        if len(first) >= 2 and first[0] in (b"GET", b"HEAD") and \
                first[1].split(b"?")[0] in (b"/metrics", b"/"):
            body = self.render()
            head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                    b"Content-Length: " + str(len(body)).encode()
                    + b"\r\nConnection: close\r\n\r\n")
            self.transport.write(head + (b"" if first[0] == b"HEAD" else body))
        else:
            self.transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
        self.transport.close()
