"""A real edge in a subprocess on a loopback port, a synthetic edition on disk,
and a tiny test origin (stdlib http.server in a thread) that records what it gets.

Every wait here is bounded in time; all traffic stays on 127.0.0.0/8.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from tests.shield.synthetic import make_home, write_edition

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 15.0


@dataclass
class Edge:
    process: subprocess.Popen
    port: int
    metrics_port: int | None
    home: Path
    key: SigningKey

    def connect(self, source: str = "127.0.0.1", timeout: float = 5.0) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout,
                                        source_address=(source, 0))
        return sock

    def http(self, timeout: float = 5.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET",
            body: bytes | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        conn = self.http()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def edition_id(self) -> str | None:
        import json

        response, body = self.get("/healthz")
        return json.loads(body)["edition"]


def _start(home: Path, key: SigningKey, origin: str, env: dict[str, str]) -> Edge:
    environment = dict(os.environ)
    environment.update({
        "ALTAVOZ_HOME": str(home),
        "ALTAVOZ_EDGE_METRICS_LISTEN": "127.0.0.1:0",
        "ALTAVOZ_EDGE_EDITION_POLL": "0.2",
        "ALTAVOZ_EDGE_ACCESS_LOG": "file",
        "PYTHONUNBUFFERED": "1",
    })
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(env)
    process = subprocess.Popen(
        [sys.executable, "-m", "altavoz.shield", "--listen", "127.0.0.1:0", "--home", str(home),
         "--origin", origin],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = _read_line(process, START_TIMEOUT)
    if not line.startswith("altavoz-edge "):
        process.kill()
        raise RuntimeError(f"edge did not start: {line!r} {process.stderr.read()[-2000:]}")
    fields = dict(item.split("=", 1) for item in line.split()[1:])
    port = int(fields["listen"].rsplit(":", 1)[1])
    metrics = int(fields["metrics"].rsplit(":", 1)[1]) if "metrics" in fields else None
    return Edge(process, port, metrics, home, key)


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0].strip() if result else ""


def _stop(edge: Edge) -> None:
    edge.process.terminate()
    try:
        edge.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        edge.process.kill()
        edge.process.wait(timeout=5)
    for stream in (edge.process.stdout, edge.process.stderr):
        if stream:
            stream.close()


# --- the test origin --------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    raw_headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Origin:
    port: int
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _handler(origin: Origin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            origin.seen.append(Seen(self.command, self.path, dict(self.headers.items()),
                                    list(self.headers.items()), body))
            if self.path.startswith("/slow/") or "/slow/" in self.path:
                origin.release.wait(10)  # held until the test lets go (bounded)
            if "/chunked/" in self.path:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in (b"uno ", b"dos ", b"tres" * 5000):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
                return
            payload = b"origin says: " + self.command.encode() + b" " + self.path.encode()
            self.send_response(201 if self.command == "POST" else 200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Set-Cookie", "sessionid=abc; HttpOnly")
            self.send_header("Keep-Alive", "timeout=5")
            self.send_header("X-Origin", "yes")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return Handler


@contextmanager
def recording_origin() -> Iterator[Origin]:
    """The test origin, running until the block ends."""
    record = Origin(port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(record))
    server.daemon_threads = True
    record.port = server.server_address[1]
    record.server = server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield record
    finally:
        record.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    with recording_origin() as record:
        yield record


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SigningKey]:
    home, key = make_home(tmp_path_factory.mktemp("edge"))
    write_edition(home, key)
    return home, key


@pytest.fixture(scope="module")
def edge(module_home: tuple[Path, SigningKey]) -> Iterator[Edge]:
    """One edge for the read-only tests of a module; its origin is not running."""
    home, key = module_home
    started = _start(home, key, f"127.0.0.1:{dead_port()}", {})
    yield started
    _stop(started)


@pytest.fixture
def start_edge(tmp_path: Path) -> Iterator[Callable[..., Edge]]:
    """start_edge(origin="host:port"|"none", env={...}, home=None) → a fresh edge."""
    started: list[Edge] = []

    def start(origin: str = "none", env: dict[str, str] | None = None,
              home: tuple[Path, SigningKey] | None = None) -> Edge:
        if home is None:
            home = make_home(tmp_path / f"edge{len(started)}")
            write_edition(*home)
        edge = _start(home[0], home[1], origin, env or {})
        started.append(edge)
        return edge

    yield start
    for edge in started:
        _stop(edge)


class Raw:
    """A raw client socket with a read buffer, for pipelining and malformed input."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()

    def _fill(self, timeout: float) -> None:
        self.sock.settimeout(timeout)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed; had {self.buffer[:200]!r}")
        self.buffer += chunk

    def response(self, timeout: float = 5.0,
                 head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
        """One response (Content-Length or chunked framing)."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill(timeout)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if head_only or status in (204, 304) or 100 <= status < 200:
            return status, headers, b""
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buffer:
                    self._fill(timeout)
                size_line, _, self.buffer = self.buffer.partition(b"\r\n")
                size = int(size_line, 16)
                while len(self.buffer) < size + 2:
                    self._fill(timeout)
                body += self.buffer[:size]
                self.buffer = self.buffer[size + 2:]
                if size == 0:
                    return status, headers, body
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill(timeout)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body


def raw(edge: Edge, source: str = "127.0.0.1") -> Raw:
    return Raw(edge.connect(source))


def is_closed(client: Raw, timeout: float = 5.0) -> bool:
    """True when the peer closes within `timeout` (reading and dropping what comes)."""
    sock = client.sock
    sock.settimeout(0.2)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False
