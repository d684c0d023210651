"""Searches at the edge vs the origin's search page, side by side, same queries.

    .venv/bin/python bench/edge_search.py [--articles N] [--queries Q] [--clients C]
    .venv/bin/python bench/edge_search.py --home DIR   # a home seeded and built already

Makes a throw-away home the way an operator would (`altavoz init`, `altavoz seed
--articles N`, `altavoz build`), then starts the edge (`python -m
altavoz.shield`, no origin behind it: every answer is its own) and the origin
alone (granian running Django, one worker, as `altavoz serve` runs it). Both get
the same Q searches, made of words of the seeded titles (one or two words, some
with a language or section filter), from C client threads on keep-alive
connections, twice: "distinct" (each query once: the edge runs every one on its
index) and "repeated" (the same queries again: the edge answers from its results
cache, the origin searches again). Prints queries/s and p50/p99 for each, and
the edge/origin ratios. A measurement for docs/BENCHMARKS.md, not a test: the
client threads share the machine with the servers, so compare the ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
ALTAVOZ = [sys.executable, "-m", "altavoz.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, what: str, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start on port {port}")


def make_home(articles: int) -> Path:
    home = Path(tempfile.mkdtemp(prefix="altavoz-bench-search-")) / "home"
    env = dict(os.environ, ALTAVOZ_HOME=str(home))
    env.pop("ALTAVOZ_DATABASE_URL", None)
    for step in (["init"], ["seed", "--articles", str(articles)], ["build"]):
        started = time.perf_counter()
        subprocess.run(ALTAVOZ + step, cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"altavoz {' '.join(step)}: {time.perf_counter() - started:.1f} s")
    return home


def index_file(home: Path) -> Path:
    editions = home / "editions"
    current = (editions / "current").read_text().strip()
    manifest = json.loads((editions / "manifests" / f"{current}.json").read_bytes())
    sha = manifest["search_index"]["blob"]
    return editions / "blobs" / sha[:2] / sha


def indexed(home: Path) -> int:
    with sqlite3.connect(index_file(home)) as con:
        return con.execute("SELECT count(*) FROM search_document").fetchone()[0]


def queries(home: Path, count: int, rng: random.Random) -> list[str]:
    """Search addresses as readers make them, from words of the indexed titles."""
    with sqlite3.connect(index_file(home)) as con:
        rows = con.execute("SELECT r.title, d.language, d.section FROM search_result r "
                           "JOIN search_document d USING (article_id)").fetchall()
    words: dict[str, list[str]] = {"es": [], "en": []}
    sections = sorted({section for _title, _lang, section in rows})
    for title, lang, _section in rows:
        for word in title.split():
            word = word.strip("¿?¡!.,;:«»\"'()")
            if len(word) > 3 and not word.isdigit():
                words.setdefault(lang, []).append(word)
    found = []
    for _ in range(count):
        lang = "es" if rng.random() < 0.7 else "en"
        params = {"q": " ".join(rng.sample(words[lang], k=rng.choice([1, 1, 2])))}
        if rng.random() < 0.3:
            params["language"] = lang
        if rng.random() < 0.2 and sections:
            params["section"] = rng.choice(sections)
        found.append(f"/{lang}/search/?{urlencode(params)}")
    return found


def run(port: int, targets: list[str], clients: int) -> tuple[float, list[float], dict]:
    """(queries/s, latencies in ms, statuses) for every target, from `clients` threads."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    work = list(enumerate(targets))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        seen: dict[int, int] = {}
        while True:
            with lock:
                if not work:
                    break
                _n, target = work.pop()
            started = time.perf_counter()
            conn.request("GET", target, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            seen[response.status] = seen.get(response.status, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(targets) / (time.perf_counter() - started), latencies, statuses


def compare(ports: dict[str, int], targets: list[str]) -> str:
    """How the edge's pages compare with the origin's for the same searches."""
    same = snippets = other = 0
    for target in targets:
        pages = []
        for port in (ports["edge"], ports["origin"]):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", target)
            pages.append(conn.getresponse().read().decode().splitlines())
            conn.close()
        edge, origin = pages
        if edge == origin:
            same += 1
        elif len(edge) == len(origin) and all(
                a == b or (a.startswith("<p>") and b.startswith("<p>"))
                for a, b in zip(edge, origin, strict=True)):
            snippets += 1  # the origin cut a snippet from the text, which the index lacks
        else:
            other += 1
    return (f"{same} the same bytes, {snippets} differing only in snippets, "
            f"{other} otherwise")


def at(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", type=Path, help="a seeded, built home to reuse")
    parser.add_argument("--keep", action="store_true", help="keep the home it makes")
    args = parser.parse_args()
    home = args.home.resolve() if args.home else make_home(args.articles)
    targets = queries(home, args.queries, random.Random(args.seed))
    edge_port, origin_port = free_port(), free_port()
    env = dict(os.environ, ALTAVOZ_HOME=str(home), DJANGO_SETTINGS_MODULE="altavoz.settings")
    env.pop("ALTAVOZ_DATABASE_URL", None)
    edge_env = dict(env, ALTAVOZ_EDGE_ACCESS_LOG="off", ALTAVOZ_EDGE_METRICS_LISTEN="off",
                    ALTAVOZ_EDGE_MAX_CONNECTIONS_PER_CLIENT="100000",
                    **{f"ALTAVOZ_EDGE_LIMIT_{name}": "off" for name in (
                        "READ", "READ_PREFIX", "SEARCH", "SEARCH_PREFIX")})
    edge_env.pop("DJANGO_SETTINGS_MODULE")
    processes = [
        subprocess.Popen([sys.executable, "-m", "altavoz.shield", "--listen",
                          f"127.0.0.1:{edge_port}", "--home", str(home), "--origin", "none"],
                         cwd=ROOT, env=edge_env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([str(Path(sys.executable).parent / "granian"), "--interface", "wsgi",
                          "--workers", "1", "--blocking-threads", "8", "--host", "127.0.0.1",
                          "--port", str(origin_port), "--no-log", "altavoz.wsgi:application"],
                         cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]
    try:
        wait_for(edge_port, "the edge")
        wait_for(origin_port, "the origin")
        servers = {"edge": edge_port, "origin": origin_port}
        for port in servers.values():  # warm up: templates, stemmers, page cache
            run(port, targets[:20], 2)
        print("pages compared on 40 searches:", compare(servers, targets[:40]))
        fresh = queries(home, args.queries, random.Random(args.seed + 1))  # not warmed
        figures: dict[tuple[str, str], tuple[float, float, float]] = {}
        for phase in ("distinct", "repeated"):
            for name, port in servers.items():
                rate, latencies, statuses = run(port, fresh, args.clients)
                figures[(phase, name)] = (rate, at(latencies, 50), at(latencies, 99))
                print(f"{phase:9} {name:6} {rate:8.0f} queries/s   p50 {at(latencies, 50):7.1f}"
                      f" ms   p99 {at(latencies, 99):7.1f} ms   statuses {statuses}")
        print(f"\n{len(fresh)} searches, {args.clients} clients, {indexed(home):,} articles "
              "in the index:")
        for phase in ("distinct", "repeated"):
            edge, origin = figures[(phase, "edge")], figures[(phase, "origin")]
            print(f"  {phase:9} edge/origin {edge[0] / origin[0]:6.1f}x queries/s; "
                  f"p50 {edge[1]:.1f} vs {origin[1]:.1f} ms; "
                  f"p99 {edge[2]:.1f} vs {origin[2]:.1f} ms")
        return 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.home and not args.keep:
            shutil.rmtree(home.parent, ignore_errors=True)
        elif not args.home:
            print(f"home kept at {home}")


if __name__ == "__main__":
    sys.exit(main())
