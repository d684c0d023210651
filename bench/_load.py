"""Load for bench/flood.py: attackers, slowloris and browser-like readers, each
client on its own loopback address (127.0.0.0/8 is all ours: a socket may bind
any of it), which wrk cannot do.

    python bench/_load.py attack|slowloris|readers|crawl PORT DURATION CONFIG.json

Runs one asyncio loop (uvloop) in this process and prints one JSON line of
results. A raw asyncio.Protocol with httptools' response parser (already the
edge's dependency) keeps the client's cost per request small: the load, not the
client, should be what the server under test feels. Every loop here stops at
its deadline, and every request has a timeout.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import os
import random
import re
import resource
import sys
import time
from collections import Counter
from urllib.parse import quote

import httptools
import uvloop

BROWSER_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36 reader/{n}")
BROWSER_HEADERS = ("Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                   "Accept-Language: es-VE,es;q=0.9,en;q=0.8\r\n"
                   "Accept-Encoding: gzip, deflate, br\r\n")
REQUEST_TIMEOUT = 10.0  # one request; a reader's page load is bounded by LOAD_TIMEOUT
LOAD_TIMEOUT = 15.0
_CSS = re.compile(rb'<link rel="stylesheet" href="([^"]+)"')
_DATA = re.compile(rb'data-(token|bits|next|pass)="([^"]*)"')


def attacker_address(i: int) -> str:
    """Attacker i's address: each in its own /24 (no per-prefix budget helps)."""
    return f"127.{1 + i // 256}.{i % 256}.1"


def reader_address(i: int) -> str:
    return f"127.200.{i % 256}.{1 + i // 256}"


class Response:
    __slots__ = ("status", "headers", "body", "keep_alive")

    def __init__(self, status: int, headers: dict[bytes, bytes], body: bytes,
                 keep_alive: bool) -> None:
        self.status, self.headers, self.body, self.keep_alive = status, headers, body, keep_alive


class Client(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: one request at a time."""

    def __init__(self, keep_body: bool) -> None:
        self.keep_body = keep_body
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.headers: dict[bytes, bytes] = {}
        self.body: list[bytes] = []
        self.received = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"bad response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError("closed"))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.headers, self.body = {}, []

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.keep_body:
            name = name.lower()
            if name == b"set-cookie" and name in self.headers:
                value = self.headers[name] + b"\n" + value
            self.headers[name] = value

    def on_body(self, body: bytes) -> None:
        if self.keep_body:
            self.body.append(body)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(Response(self.parser.get_status_code(), self.headers,
                                            b"".join(self.body),
                                            self.parser.should_keep_alive()))

    def request(self, data: bytes, timeout: float) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        self.waiter = waiter = loop.create_future()
        self.received = 0
        if self.closed or self.transport.is_closing():
            waiter.set_exception(ConnectionError("closed"))
            return waiter
        try:
            self.transport.write(data)
        except RuntimeError:  # uvloop: closed under us, before connection_lost ran
            waiter.set_exception(ConnectionError("closed"))
            return waiter
        handle = loop.call_later(timeout, _expire, waiter)
        waiter.add_done_callback(lambda _f: handle.cancel())
        return waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def connect(port: int, source: str, keep_body: bool, timeout: float = 3.0) -> Client:
    loop = asyncio.get_running_loop()
    _transport, client = await asyncio.wait_for(loop.create_connection(
        lambda: Client(keep_body), "127.0.0.1", port, local_addr=(source, 0)), timeout)
    return client


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- attackers --------------------------------------------------------------------------


def attack_request(kind: str, rng: random.Random, cfg: dict, host: str) -> bytes:
    ua = f"Mozilla/5.0 flood/{rng.randrange(1000)}"
    if kind == "get":  # the site's front and list pages, what a GET flood hits
        target = rng.choice(cfg["hot"])
    elif kind == "archive":  # every page of the sitemap
        target = rng.choice(cfg["urls"])
    elif kind == "bust":
        name, value = rng.randrange(1 << 30), rng.randrange(1 << 30)
        target = f"{rng.choice(cfg['articles'])}?{name:x}={value:x}"
    elif kind == "search":
        words = cfg["words"]
        query = f"{rng.choice(words)} {rng.choice(words)}"
        target = f"/{rng.choice(('es', 'en'))}/search/?q={quote(query)}"
    elif kind == "post":
        body = (f"body={quote('Comentario ' + str(rng.randrange(1 << 30)))}"
                f"&name=flood{rng.randrange(1000)}").encode()
        return (f"POST {rng.choice(cfg['articles'])}comment/ HTTP/1.1\r\nHost: {host}\r\n"
                f"User-Agent: {ua}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    else:
        raise ValueError(kind)
    return (f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\n"
            "Accept: */*\r\n\r\n").encode()


async def attacker(i: int, port: int, cfg: dict, deadline: float, stats: Counter) -> None:
    rng = random.Random(i)
    source, kind, host = attacker_address(i), cfg["kind"], f"127.0.0.1:{port}"
    client: Client | None = None
    while time.monotonic() < deadline:
        if client is None or client.closed:
            try:
                client = await connect(port, source, keep_body=False)
                stats["connections"] += 1
            except (OSError, TimeoutError):
                stats["connect_errors"] += 1
                client = None
                await asyncio.sleep(0.1)
                continue
        try:
            response = await client.request(attack_request(kind, rng, cfg, host), 5.0)
        except TimeoutError:
            stats["timeouts"] += 1
            client.close()
            client = None
            continue
        except ConnectionError:
            stats["resets"] += 1
            client.close()
            client = None
            await asyncio.sleep(0.01)
            continue
        stats[str(response.status)] += 1
        stats["requests"] += 1
        if not response.keep_alive:
            client.close()
            client = None
    if client is not None:
        client.close()


async def run_attack(port: int, duration: float, cfg: dict) -> dict:
    stats: Counter = Counter()
    deadline = time.monotonic() + duration
    start = time.monotonic()
    await asyncio.gather(*(attacker(i, port, cfg, deadline, stats)
                           for i in range(cfg["attackers"])))
    elapsed = time.monotonic() - start
    return {"attack": dict(stats), "attack_rate": stats["requests"] / elapsed}


# --- slowloris --------------------------------------------------------------------------


async def slow_connection(i: int, port: int, cfg: dict, deadline: float, stats: Counter,
                          open_now: list[int]) -> None:
    """Sends a request head a few bytes at a time, never finishing it; reconnects
    when the server gives up on it."""
    loop = asyncio.get_running_loop()
    source = attacker_address(i % cfg["addresses"])
    await asyncio.sleep(random.Random(i).uniform(0, 2.0))  # spread the connects
    while time.monotonic() < deadline:
        try:
            client = await connect(port, source, keep_body=False)
        except (OSError, TimeoutError):
            stats["connect_errors"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["connections"] += 1
        open_now[0] += 1
        opened = loop.time()
        try:  # a RuntimeError is uvloop's word for a transport the server closed
            client.transport.write(f"GET /es/?{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
            n = 0
            while not client.closed and time.monotonic() < deadline:
                await asyncio.sleep(cfg["interval"])
                if client.closed or client.transport.is_closing():
                    break
                client.transport.write(f"X-{n}: {n}\r\n".encode())
                n += 1
        except RuntimeError:
            pass
        finally:
            open_now[0] -= 1
            stats["held_seconds"] += loop.time() - opened
            stats["cut_by_server"] += client.closed
            client.close()


async def run_slowloris(port: int, duration: float, cfg: dict) -> dict:
    stats: Counter = Counter()
    open_now, samples = [0], []
    deadline = time.monotonic() + duration

    async def sample() -> None:
        while time.monotonic() < deadline:
            samples.append(open_now[0])
            await asyncio.sleep(0.5)

    await asyncio.gather(sample(), *(slow_connection(i, port, cfg, deadline, stats, open_now)
                                     for i in range(cfg["connections"])))
    return {"slowloris": dict(stats), "slow_open_max": max(samples, default=0),
            "slow_open_median": sorted(samples)[len(samples) // 2] if samples else 0}


# --- readers ----------------------------------------------------------------------------


def solve(token: bytes, bits: int) -> bytes:
    """The page's Web Worker, in Python: the first n with SHA-256(token + n) starting
    with `bits` zero bits (static/challenge-worker.js; clearance.check_work). Gives
    up after 64 times the expected tries (the answer is then refused)."""
    base = hashlib.sha256(token)
    for n in range(64 << bits):
        attempt = base.copy()
        attempt.update(b"%d" % n)
        if not int.from_bytes(attempt.digest()[:4], "big") >> (32 - bits):
            return b"%d" % n
    return b"0"


class Reader:
    """A browser: one keep-alive connection, a cookie jar, fetches a page and its
    stylesheet, and when challenged runs the challenge's scripts' work and follows
    the clearance redirect, as challenge.js does."""

    def __init__(self, i: int, port: int, pool: concurrent.futures.Executor) -> None:
        self.i, self.port, self.pool = i, port, pool
        self.source = reader_address(i)
        self.ua = BROWSER_UA.format(n=i)
        self.cookies: dict[str, str] = {}
        self.client: Client | None = None
        self.challenges = 0
        self.cached: set[str] = set()
        self.solve_seconds: list[float] = []
        self.solving = 0.0  # seconds of the current load spent solving

    async def get(self, target: str) -> Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = (f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"User-Agent: {self.ua}\r\n{BROWSER_HEADERS}"
                + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode()
        for attempt in (0, 1):  # browsers retry once on a keep-alive connection closed under them
            reused = self.client is not None and not self.client.closed
            if not reused:
                self.client = await connect(self.port, self.source, keep_body=True)
            try:
                response = await self.client.request(data, REQUEST_TIMEOUT)
            except ConnectionError:
                self.client.close()
                self.client = None
                if reused and attempt == 0:
                    continue
                raise
            except TimeoutError:
                self.client.close()
                self.client = None
                raise
            if not response.keep_alive:
                self.client.close()
                self.client = None
            for line in response.headers.get(b"set-cookie", b"").split(b"\n"):
                name, eq, rest = line.partition(b"=")
                if eq:
                    self.cookies[name.decode().strip()] = rest.split(b";")[0].decode()
            return response
        raise ConnectionError("unreachable")

    async def load(self, path: str) -> tuple[bool, str]:
        """One page load: the page (through the challenge if one comes) and its CSS."""
        response = await self.get(path)
        if response.status == 503 and b'id="altavoz-challenge"' in response.body:
            response = await self.pass_challenge(response.body)
        if response.status != 200:
            return False, f"page {response.status}"
        for css in _CSS.findall(response.body):
            sheet = await self.get(css.decode())
            if sheet.status != 200:
                return False, f"css {sheet.status}"
        return True, "ok"

    async def pass_challenge(self, page: bytes) -> Response:
        self.challenges += 1
        data = {k.decode(): v.decode() for k, v in _DATA.findall(page)}
        for script in ("/.well-known/altavoz/challenge.js",
                       "/.well-known/altavoz/challenge-worker.js"):
            if script not in self.cached:  # the browser's cache (max-age=3600)
                if (await self.get(script)).status != 200:
                    return Response(0, {}, b"", False)
                self.cached.add(script)
        started = time.monotonic()
        counter = await asyncio.get_running_loop().run_in_executor(
            self.pool, solve, data["token"].encode(), int(data["bits"]))
        self.solve_seconds.append(time.monotonic() - started)
        self.solving += self.solve_seconds[-1]
        answer = (f"{data['pass']}?t={quote(data['token'], safe='')}&n={counter.decode()}"
                  f"&next={quote(data['next'], safe='')}")
        response = await self.get(answer)
        if response.status != 302:
            return response
        return await self.get(response.headers.get(b"location", b"/").decode())


async def reader_loop(reader: Reader, urls: list[str], deadline: float, think: float,
                      loads: list[tuple[float, float, bool, str]]) -> None:
    rng = random.Random(1000 + reader.i)
    await asyncio.sleep(rng.uniform(0, think))
    while time.monotonic() < deadline:
        path = rng.choice(urls)
        started = time.monotonic()
        reader.solving = 0.0
        try:  # each request has its own timeout; this bounds the whole load too
            ok, why = await asyncio.wait_for(reader.load(path), 4 * LOAD_TIMEOUT)
        except TimeoutError:
            ok, why = False, "timeout"
            if reader.client is not None:
                reader.client.close()
                reader.client = None
        except (OSError, ConnectionError) as exc:
            ok, why = False, f"connection: {exc}"[:60]
        # A browser solves on its own CPU; here every reader's solving shares one
        # process on the loaded core, so the load's time leaves it out (reported apart).
        waited = time.monotonic() - started - reader.solving
        if ok and waited > LOAD_TIMEOUT:
            ok, why = False, "slow"
        loads.append((waited, time.monotonic() - started, ok, why))
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
    if reader.client is not None:
        reader.client.close()


async def run_readers(port: int, duration: float, cfg: dict) -> dict:
    loads: list[tuple[float, float, bool, str]] = []  # (without solving, in all, ok, why)
    deadline = time.monotonic() + duration
    # The solver stands for each reader's own CPU in a browser: here all readers
    # share one process on the load's core, ahead of the (niced) attack.
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        readers = [Reader(i, port, pool) for i in range(cfg["readers"])]
        await asyncio.gather(*(reader_loop(r, cfg["urls"], deadline, cfg["think"], loads)
                               for r in readers))
    times = [seconds for seconds, _, ok, _ in loads if ok]
    whole = [seconds for _, seconds, ok, _ in loads if ok]
    failures = Counter(why for _, _, ok, why in loads if not ok)
    solves = [s for r in readers for s in r.solve_seconds]
    return {"loads": len(loads), "ok": len(times),
            "success": len(times) / len(loads) if loads else None,
            "p50": percentile(times, 0.5), "p99": percentile(times, 0.99),
            "p99_with_solving": percentile(whole, 0.99),
            "failures": dict(failures.most_common(5)),
            "challenged": sum(r.challenges for r in readers),
            "solve_p50": percentile(solves, 0.5), "solve_max": max(solves, default=None)}


# --- a crawler: every sitemap URL once ----------------------------------------------------


async def run_crawl(port: int, duration: float, cfg: dict) -> dict:
    """GET each URL once, a few at a time, each from its own address (a crawler's
    many fetches must not meet the per-address limits)."""
    statuses: Counter = Counter()
    semaphore = asyncio.Semaphore(8)
    deadline = time.monotonic() + duration

    async def fetch(n: int, path: str) -> None:
        async with semaphore:
            if time.monotonic() > deadline:
                statuses["not tried"] += 1
                return
            try:
                client = await connect(port, f"127.77.{n // 250}.{1 + n % 250}", keep_body=True)
                try:
                    response = await client.request(
                        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        f"User-Agent: crawler\r\n\r\n".encode(), REQUEST_TIMEOUT)
                    statuses[str(response.status)] += 1
                finally:
                    client.close()
            except (OSError, ConnectionError, TimeoutError):
                statuses["error"] += 1

    await asyncio.gather(*(fetch(n, path) for n, path in enumerate(cfg["urls"])))
    return {"crawl": dict(statuses), "served": statuses["200"] / max(1, len(cfg["urls"]))}


MODES = {"attack": run_attack, "slowloris": run_slowloris, "readers": run_readers,
         "crawl": run_crawl}


def main() -> int:
    mode, port, duration, config = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    with open(config) as f:
        cfg = json.load(f)
    raise_nofile()
    if mode in ("attack", "slowloris"):
        # Attack and readers share one core: the readers' timings must measure the
        # server, not a client starved by the attack beside it.
        os.nice(19)
    result = uvloop.run(MODES[mode](port, duration, cfg))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
