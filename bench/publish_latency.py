"""Publish-to-live latency: from an article saved in the database (what an
editor's click does) to the edge serving the new page, on a built home.

Runs a real edge (python -m altavoz.shield) on the home and the publisher loop
(`altavoz publish --watch`) in subprocesses, then, N times, changes one
article's title in the database and polls the edge until the article page
shows it. Prints p50/p95/max of that latency, and what each publish rendered.

    ALTAVOZ_HOME=/path/to/built/home .venv/bin/python bench/publish_latency.py --runs 20

All traffic is to loopback; every wait is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
WAIT = 30.0  # seconds before a run counts as failed
START = 900.0  # seconds for the edge to load (and check every blob of) a big edition


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--show-log", action="store_true", help="print the publisher's log")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "altavoz.settings")
    import django

    django.setup()
    from django.conf import settings

    from altavoz.editions import store

    home = Path(settings.ALTAVOZ_HOME)
    if store.current_id(home) is None:
        print(f"{home} has no edition: run `altavoz build` first", file=sys.stderr)
        return 2
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The probe polls one page every 20 ms from one address: to the edge's rate
    # limits that is a flood. Off for the measurement; everything else as shipped.
    edge_env = {**env, "ALTAVOZ_EDGE_LIMIT_READ": "off", "ALTAVOZ_EDGE_LIMIT_READ_PREFIX": "off",
                "ALTAVOZ_EDGE_ATTACK_LEVEL": "normal"}
    with (tempfile.NamedTemporaryFile("w+", prefix="edge-") as edge_log,
          tempfile.NamedTemporaryFile("w+", prefix="publisher-") as log_file):
        return _measure(args, home, port, env, edge_env, edge_log, log_file)


def _measure(args: argparse.Namespace, home: Path, port: int, env: dict, edge_env: dict,
             edge_log: IO[str], log_file: IO[str]) -> int:
    from altavoz.newsroom.models import Article

    edge = subprocess.Popen([sys.executable, "-m", "altavoz.shield", "--home", str(home),
                             "--listen", f"127.0.0.1:{port}", "--origin", "none"],
                            env=edge_env, stdout=subprocess.DEVNULL, stderr=edge_log)
    publisher = subprocess.Popen([sys.executable, "-m", "altavoz.cli", "publish", "--watch"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=log_file, text=True)
    latencies: list[float] = []
    try:
        loading = time.monotonic()
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if edge.poll() is not None or time.monotonic() - loading > START:
                print("the edge did not come up", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(f"edge loaded the edition in {time.monotonic() - loading:.1f} s")
        articles = list(Article.objects.listed().order_by("-published_at")
                        .values_list("pk", flat=True)[:200])
        total = Article.objects.count()
        print(f"home {home}: {total:,} articles; edge on 127.0.0.1:{port}")
        for run in range(args.runs):
            article = Article.objects.get(pk=articles[(run * 7) % len(articles)])
            marker = f"Latency probe {run} {time.time_ns()}"
            article.title = marker
            started = time.perf_counter()
            article.save()
            path = article.get_absolute_url()
            deadline = time.monotonic() + WAIT
            while time.monotonic() < deadline:
                status, body = _get(port, path)
                if status == 200 and marker.encode() in body:
                    latencies.append(time.perf_counter() - started)
                    break
                time.sleep(0.02)  # the probe must not take the CPU the publisher needs
            else:
                print(f"run {run}: not live after {WAIT:.0f} s", file=sys.stderr)
    finally:
        for child in (publisher, edge):
            child.terminate()
            child.wait(timeout=10)
    log_file.seek(0)
    log = log_file.read()
    if args.show_log:
        print(log)
        edge_log.seek(0)
        print("\n".join(line for line in edge_log.read().splitlines() if '"status"' not in line))
    rendered = [int(n) for n in re.findall(r"(\d+) paths rendered", log)]
    if not latencies:
        print("no run succeeded", file=sys.stderr)
        print(log[-3000:], file=sys.stderr)
        return 1
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    print(f"click-to-live over {len(latencies)} edits: p50 {statistics.median(latencies):.3f} s, "
          f"p95 {p95:.3f} s, max {latencies[-1]:.3f} s (target: 1 s)")
    if rendered:
        print(f"paths rendered per publish: median {statistics.median(rendered):.0f}, "
              f"max {max(rendered)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
