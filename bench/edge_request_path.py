"""What one request costs the edge in CPU, in-process, without the network.

    .venv/bin/python bench/edge_request_path.py [--requests 200000]

Feeds typical requests to the edge's protocol with a fake transport (the bytes
it would write are only counted) and prints microseconds per request for:

- parse only: httptools with empty callbacks (the floor any such server pays);
- whole path: parse, header checks, route, variant choice, conditional/range
  handling, response assembly and the write call, access log off, replay off;
- decision: whole path minus parse only: what the edge's own logic adds;
- replayed: the same request again, answered from the replay cache (replay.py)
  without parsing: what a repeated request (a flood, a revalidation) costs.

A measurement for docs/BENCHMARKS.md, not a test. The whole path includes the
rate limits (a read budget that never refuses: its check, not a 429); the issue's
budget for limits and clearance checks is 5 µs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httptools

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from altavoz.shield.context import EdgeContext  # noqa: E402
from altavoz.shield.edition import Edition  # noqa: E402
from altavoz.shield.loader import Loader  # noqa: E402
from altavoz.shield.protocol import EdgeProtocol  # noqa: E402
from altavoz.shield.settings import MAX_RATE, Budget, EdgeSettings, from_env  # noqa: E402
from tests.shield.synthetic import make_home, write_edition  # noqa: E402

BROWSER = (
    b"Host: example.org\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    b"Accept-Language: es-VE,es;q=0.8,en-US;q=0.5,en;q=0.3\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\nConnection: keep-alive\r\n"
    b"Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n"
    b"Sec-Fetch-Site: none\r\nPriority: u=0, i\r\n\r\n")


class _Transport:
    def __init__(self) -> None:
        self.written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def writelines(self, parts: tuple[bytes, ...]) -> None:
        self.written += sum(len(part) for part in parts)

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("203.0.113.9", 40000) if name == "peername" else default

    def close(self) -> None:
        raise AssertionError("closed")

    abort = close

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class _Empty:
    def on_message_begin(self) -> None: ...
    def on_url(self, url: bytes) -> None: ...
    def on_header(self, name: bytes, value: bytes) -> None: ...
    def on_headers_complete(self) -> None: ...
    def on_body(self, body: bytes) -> None: ...
    def on_message_complete(self) -> None: ...


def _per_request(feed, data: bytes, count: int) -> float:
    for _ in range(min(count // 10, 10000)):
        feed(data)
    best = float("inf")
    for _ in range(3):  # best of three: the machine is shared and noisy
        started = time.perf_counter()
        for _ in range(count):
            feed(data)
        best = min(best, (time.perf_counter() - started) / count)
    return best * 1e6


def synthetic_edge(**overrides: object) -> tuple[Loader, Edition, EdgeSettings]:
    """A synthetic edition loaded as the edge loads one, and in-process settings
    for it (no log, no per-connection request cap) with `overrides`."""
    home, key = make_home(Path(tempfile.mkdtemp(prefix="altavoz-bench-")))
    write_edition(home, key)
    loader = Loader(home)
    edition = loader.check()
    assert edition is not None
    loader.switch(edition)
    settings = from_env(home=home, listen="127.0.0.1:0", origin="none").with_(
        max_requests_per_connection=10**12, access_log="off", **overrides)
    return loader, edition, settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200000)
    args = parser.parse_args()
    never = Budget(MAX_RATE, 10**9)  # rate limits checked on every request, never refusing
    loader, edition, settings = synthetic_edge(limit_read=never, limit_read_prefix=never)
    protocol = EdgeProtocol(EdgeContext(settings.with_(replay_entries=0), loader))
    protocol.connection_made(_Transport())  # type: ignore[arg-type]
    replaying = EdgeProtocol(EdgeContext(settings, loader))
    replaying.connection_made(_Transport())  # type: ignore[arg-type]
    etag = edition.paths[b"/es/article/asamblea/"].identity.etag
    cases = {
        "wrk (Host only)": b"GET /es/article/asamblea/ HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "browser, 11 headers": b"GET /es/article/asamblea/ HTTP/1.1\r\n" + BROWSER,
        "browser + cache-buster": b"GET /es/article/asamblea/?utm=x&_=17 HTTP/1.1\r\n" + BROWSER,
        "revalidation (304)": b"GET /es/article/asamblea/ HTTP/1.1\r\nHost: x\r\n"
                              b"If-None-Match: " + etag + b"\r\n\r\n",
        "range on media (206)": b"GET /media/a/photo.jpg HTTP/1.1\r\nHost: x\r\n"
                                b"Range: bytes=1000-1999\r\n\r\n",
        "missing page (404)": b"GET /es/no/such/page/ HTTP/1.1\r\nHost: x\r\n\r\n",
    }
    print(f"{'request':26} {'parse only':>11} {'whole path':>11} {'decision':>9} "
          f"{'replayed':>9}   (µs)")
    for name, data in cases.items():
        bare = httptools.HttpRequestParser(_Empty())
        parse = _per_request(bare.feed_data, data, args.requests)
        whole = _per_request(protocol.data_received, data, args.requests)
        replayed = _per_request(replaying.data_received, data, args.requests)
        print(f"{name:26} {parse:11.2f} {whole:11.2f} {whole - parse:9.2f} {replayed:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
