"""The edge against nginx, serving the same cached article page, side by side.

    .venv/bin/python bench/edge_vs_nginx.py [--runs 3] [--duration 10] [--connections 50]
                                            [--encoding identity|gzip] [--access-log]

Writes a synthetic edition (an article page of ~15 KB with gzip and brotli
variants, tests/shield/synthetic.py) and the same page as files for nginx
(Debian package, sendfile, open_file_cache, gzip_static). Each server gets one
core (`taskset -c 0`), `wrk` gets the other (`taskset -c 1`, one thread), runs
alternate between the two servers (so drift hits both alike), and the median
of the runs is reported: requests/s, p99 latency, the server's CPU time per
request (user + system, from /proc: less sensitive to other load on the machine
than requests/s), and the ratios. Both serve the
identical bytes (checked before measuring); both have access logs off unless
--access-log. wrk repeats one request, so the edge answers it from its replay
cache (altavoz/shield/replay.py) as it would a flood; --no-replay measures the
full parse path instead. --bare adds a minimal uvloop+httptools protocol that
writes the same bytes: the ceiling for a Python edge on this machine.
A measurement for docs/BENCHMARKS.md, not a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.shield.synthetic import Page, article_html, make_home, write_edition  # noqa: E402

ARTICLE = "/es/article/asamblea-campesina-en-el-llano/"
SERVER_CPU, CLIENT_CPU = "0", "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, deadline: float = 15.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listening on 127.0.0.1:{port} after {deadline} s")


def fetch(port: int, encoding: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {} if encoding == "identity" else {"Accept-Encoding": encoding}
    conn.request("GET", ARTICLE, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


BARE_SERVER = """
import asyncio, sys, httptools, uvloop
RESPONSE = open(sys.argv[2], "rb").read()

class Bare(asyncio.Protocol):
    def __init__(self):
        self.parser = httptools.HttpRequestParser(self)
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        self.parser.feed_data(data)
    def on_message_complete(self):
        self.transport.write(RESPONSE)

async def main():
    loop = asyncio.get_running_loop()
    await loop.create_server(Bare, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    await asyncio.Event().wait()

uvloop.run(main())
"""


def nginx_config(tmp: Path, docroot: Path, port: int, access_log: bool) -> Path:
    log = f"access_log {tmp}/nginx-access.log;" if access_log else "access_log off;"
    user = "user root;" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    {log}
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 20s;
    keepalive_requests 1000;
    open_file_cache max=1000 inactive=60s;
    gzip_static on;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {docroot};
        index index.html;
    }}
}}
""")
    return conf


def _raw_response(port: int, encoding: str) -> bytes:
    """The edge's whole response (head and body) as bytes, for the bare server."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        extra = "" if encoding == "identity" else f"Accept-Encoding: {encoding}\r\n"
        sock.sendall(f"GET {ARTICLE} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head = data.split(b"\r\n\r\n", 1)[0]
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        while len(data) < len(head) + 4 + length:
            data += sock.recv(65536)
    return data


def _cpu_seconds(pids: list[int]) -> float:
    """user + system CPU time of these processes and their children (nginx's worker)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _with_children(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _with_children(pids: list[int]) -> list[int]:
    found = list(pids)
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            found += [int(child) for child in task.read_text().split()]
    return found


def run_wrk(port: int, duration: int, connections: int, encoding: str,
            pids: list[int] | None = None) -> tuple[float, float, float]:
    """(requests/s, p99 ms, server CPU µs per request)."""
    command = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
               "--latency"]
    if encoding != "identity":
        command += ["-H", f"Accept-Encoding: {encoding}"]
    cpu_before = _cpu_seconds(pids or [])
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{ARTICLE}"],
                            capture_output=True, text=True, timeout=duration + 30).stdout
    cpu = _cpu_seconds(pids or []) - cpu_before
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", output)
    if errors:
        print(f"    wrk reported: {errors.group(0)}")
    return rate, float(p99.group(1)) * scale, cpu / max(requests, 1) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--encoding", default="identity", choices=["identity", "gzip"])
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--no-replay", action="store_true",
                        help="turn the edge's replay cache off: every request is parsed "
                             "(wrk repeats one request, which the cache answers unparsed)")
    parser.add_argument("--bare", action="store_true",
                        help="also measure a bare uvloop+httptools protocol answering the "
                             "edge's exact bytes: the ceiling for any Python edge here")
    args = parser.parse_args()
    for tool in ("nginx", "wrk", "taskset"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: `make system-deps` installs it")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores: one for the server, one for wrk")

    tmp = Path(tempfile.mkdtemp(prefix="altavoz-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        body = article_html("Asamblea campesina en el llano", "es", 15000)
        home, key = make_home(tmp)
        write_edition(home, key, {ARTICLE: Page(body, lang="es")})
        docroot = tmp / "docroot"
        page_dir = docroot / ARTICLE.strip("/")
        page_dir.mkdir(parents=True)
        (page_dir / "index.html").write_bytes(body)
        import gzip

        # The same gzip bytes as the edition's variant (level 9, no timestamp).
        (page_dir / "index.html.gz").write_bytes(gzip.compress(body, 9, mtime=0))

        edge_port, nginx_port = free_port(), free_port()
        env = dict(os.environ, ALTAVOZ_EDGE_ACCESS_LOG="file" if args.access_log else "off",
                   ALTAVOZ_EDGE_METRICS_LISTEN="off", ALTAVOZ_HOME=str(home),
                   ALTAVOZ_EDGE_MAX_CONNECTIONS_PER_CLIENT="100000",
                   ALTAVOZ_EDGE_REPLAY_ENTRIES="0" if args.no_replay else "2048")
        processes.append(subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "altavoz.shield",
             "--listen", f"127.0.0.1:{edge_port}", "--home", str(home), "--origin", "none"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        conf = nginx_config(tmp, docroot, nginx_port, args.access_log)
        processes.append(subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, "nginx", "-c", str(conf), "-p", str(tmp),
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(edge_port)
        wait_for(nginx_port)

        servers = {"edge": edge_port, "nginx": nginx_port}
        pids = {"edge": [processes[0].pid], "nginx": [processes[1].pid]}
        if args.bare:
            raw = _raw_response(edge_port, args.encoding)
            (tmp / "response").write_bytes(raw)
            (tmp / "bare.py").write_text(BARE_SERVER)
            bare_port = free_port()
            processes.append(subprocess.Popen(
                ["taskset", "-c", SERVER_CPU, sys.executable, str(tmp / "bare.py"),
                 str(bare_port), str(tmp / "response")], cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_for(bare_port)
            servers["bare"] = bare_port
            pids["bare"] = [processes[-1].pid]
        bodies = {}
        for name, port in servers.items():
            status, headers, data = fetch(port, args.encoding)
            if status != 200:
                raise SystemExit(f"{name} answered {status}")
            bodies[name] = data
            print(f"{name:6} serves {len(data)} bytes "
                  f"(Content-Encoding: {headers.get('content-encoding', 'identity')})")
        if any(body != bodies["edge"] for body in bodies.values()):
            raise SystemExit("the two servers do not serve the same bytes")

        for port in servers.values():  # warm up: caches, branch predictors, CPU clocks
            run_wrk(port, 2, args.connections, args.encoding)
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
        for run in range(args.runs):
            order = list(servers) if run % 2 == 0 else list(reversed(servers))
            for name in order:
                rate, p99, cpu = run_wrk(servers[name], args.duration, args.connections,
                                         args.encoding, pids[name])
                results[name].append((rate, p99, cpu))
                print(f"  run {run + 1} {name:6} {rate:10.0f} req/s   p99 {p99:7.2f} ms   "
                      f"server CPU {cpu:5.1f} µs/request")

        print(f"\nmedian of {args.runs} runs of {args.duration} s, {args.connections} "
              f"connections, {len(bodies['edge'])}-byte {args.encoding} page, one core each"
              f"{' (edge replay cache off)' if args.no_replay else ''}:")
        medians = {}
        for name, runs in results.items():
            medians[name] = tuple(statistics.median(run[i] for run in runs) for i in range(3))
            rate, p99, cpu = medians[name]
            print(f"  {name:6} {rate:10.0f} req/s   p99 {p99:7.2f} ms   "
                  f"server CPU {cpu:5.1f} µs/request")
        edge, nginx = medians["edge"], medians["nginx"]
        print(f"  edge / nginx: {edge[0] / nginx[0]:.2f}x requests/s (target >= 1.5x); "
              f"p99 {edge[1]:.2f} ms vs {nginx[1]:.2f} ms; "
              f"nginx needs {nginx[2] / edge[2]:.2f}x the edge's CPU per request")
        if "bare" in medians:
            bare = medians["bare"]
            print(f"  bare / nginx: {bare[0] / nginx[0]:.2f}x; edge / bare: "
                  f"{edge[0] / bare[0]:.2f}x requests/s, {edge[2] / bare[2]:.2f}x CPU per request")
        return 0
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
