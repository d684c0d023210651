"""Floods: altavoz's edge against nginx limit_req + proxy_cache, in front of the
same Django origin, while browser-like readers browse the whole archive.

    .venv/bin/python bench/flood.py [--attackers 2000] [--readers 50] [--duration 20]
        [--scenarios none,get,bust,search,post,slowloris,down] [--slow 2000]
        [--stacks altavoz,altavoz-ua,nginx] [--runs 1] [--home DIR] [--articles 300]

Builds a seeded home (or uses --home), starts the origin (granian + Django, two
workers of eight threads, as `altavoz serve` does; not pinned), then for each
scenario runs each stack in turn, alternating the order from one scenario to the
next, with a fresh front each time:

- altavoz: the edge (`python -m altavoz.shield`) on core 0, attack level auto
  (what it does by itself from a cold start); altavoz-ua: the same with
  ALTAVOZ_EDGE_ATTACK_LEVEL=under_attack (what `altavoz shield level under_attack`
  sets at run time);
- nginx (Debian package) on core 0: limit_req per address (10 r/s, burst 20,
  nodelay, 429) and proxy_cache with proxy_cache_use_stale, a fresh cache warmed
  with the site's list pages (front, sections): the archive's pages are cached by
  the first request for each, as on a site whose archive is larger than its cache.

The load runs on core 1, in two processes (bench/_load.py): the attack, from
--attackers addresses each in its own /24 of 127.0.0.0/8, one keep-alive
connection each at full speed (get: the front and list pages; archive: random
pages of the sitemap, which nginx has mostly not cached yet; bust: articles
with a random query; search: random two-word searches; post: comment posts;
slowloris: --slow connections sending a header line every 5 s, never finishing),
and --readers readers, each its own address, loading a random sitemap page and
its stylesheet about once a second, solving the challenge as the page's script
does when they get one (their first load then includes the proof of work).

Reported per scenario and stack: reader page loads that succeeded (page and CSS
200 within 15 s), their p50/p99 (the whole load, less the time spent computing a
proof of work: a browser does that on its own CPU, here all readers share one
process on the loaded core; that time is reported apart), the attack's rate and answers, and
the CPU seconds the origin (all granian processes) and the front used. "down"
stops the origin and crawls every sitemap URL through each front: the share
served. Loopback only; every loop bounded; every process stopped at the end.
A measurement for docs/BENCHMARKS.md, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.edge_vs_nginx import _cpu_seconds, free_port, wait_for  # noqa: E402

FRONT_CPU, LOAD_CPU = "0", "1"
LOAD = str(ROOT / "bench" / "_load.py")
VENV_BIN = Path(sys.executable).parent
SCENARIOS = ("none", "get", "archive", "bust", "search", "post", "slowloris", "down")
STACKS = ("altavoz", "altavoz-ua", "nginx")
_LEVEL = re.compile(r'^(\S+ \S+) altavoz-edge WARNING .*"event": "attack_level".*'
                    r'"level": "(\w+)"')

NGINX_CONF = """
{user}
worker_processes 1;
worker_rlimit_nofile 20000;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log error;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    keepalive_timeout 20s;
    # limit_req by client address, as its documentation shows; 429 instead of 503.
    limit_req_zone $binary_remote_addr zone=perip:20m rate=10r/s;
    limit_req_status 429;
    proxy_cache_path {cache} levels=1:2 keys_zone=pages:50m max_size=1g inactive=60m
                     use_temp_path=off;
    upstream origin {{
        server 127.0.0.1:{origin};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            limit_req zone=perip burst=20 nodelay;
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_cache pages;
            proxy_cache_valid 200 301 302 10m;
            proxy_cache_valid 404 1m;
            proxy_cache_use_stale error timeout invalid_header updating
                                  http_500 http_502 http_503 http_504;
            proxy_cache_background_update on;
            proxy_cache_lock on;
        }}
    }}
}}
"""


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path, home: Path) -> None:
        self.args, self.tmp, self.home = args, tmp, home
        self.env = dict(os.environ, ALTAVOZ_HOME=str(home),
                        DJANGO_SETTINGS_MODULE="altavoz.settings")
        self.origin_port = free_port()
        self.origin: subprocess.Popen | None = None
        self.fronts: list[subprocess.Popen] = []
        self.loads: list[subprocess.Popen] = []
        self.urls: list[str] = []

    # --- processes ----------------------------------------------------------------------

    def start_origin(self) -> None:
        self.origin = _spawn(
            [str(VENV_BIN / "granian"), "--interface", "wsgi", "altavoz.wsgi:application",
             "--host", "127.0.0.1", "--port", str(self.origin_port), "--workers", "2",
             "--blocking-threads", "8", "--backpressure", "8", "--no-access-log",
             "--static-path-route", "/static", "--static-path-mount",
             str(self.home / "static")],
            self.tmp / "origin.log", env=self.env, start_new_session=True)
        wait_for(self.origin_port, 30)
        status, _ = self.fetch(self.origin_port, "/es/")
        if status != 200:
            raise SystemExit(f"the origin answered {status} for /es/")

    def stop_origin(self) -> None:
        if self.origin is not None:
            _stop(self.origin)
            self.origin = None

    def start_front(self, stack: str) -> tuple[int, subprocess.Popen]:
        port = free_port()
        if stack == "nginx":
            cache = self.tmp / f"cache-{port}"
            user = "user root;" if os.geteuid() == 0 else ""
            conf = self.tmp / "nginx.conf"
            conf.write_text(NGINX_CONF.format(user=user, tmp=self.tmp, cache=cache,
                                              origin=self.origin_port, port=port))
            command = ["nginx", "-c", str(conf), "-p", str(self.tmp), "-g", "daemon off;"]
            env = None
        else:
            command = [sys.executable, "-m", "altavoz.shield", "--listen", f"127.0.0.1:{port}",
                       "--home", str(self.home), "--origin", f"127.0.0.1:{self.origin_port}"]
            env = dict(self.env, ALTAVOZ_EDGE_METRICS_LISTEN="off", ALTAVOZ_EDGE_ACCESS_LOG="off",
                       ALTAVOZ_EDGE_ATTACK_LEVEL="under_attack" if stack == "altavoz-ua"
                       else "auto")
        process = _spawn(["taskset", "-c", FRONT_CPU, *command], self.tmp / f"front-{port}.log",
                         env=env)
        self.fronts.append(process)
        wait_for(port, 30)
        return port, process

    def stop_front(self, process: subprocess.Popen) -> None:
        _stop(process)
        self.fronts.remove(process)

    def load(self, mode: str, port: int, duration: float, cfg: dict) -> subprocess.Popen:
        path = self.tmp / f"{mode}-{port}.json"
        path.write_text(json.dumps(cfg))
        process = _spawn(["taskset", "-c", LOAD_CPU, sys.executable, LOAD, mode, str(port),
                          str(duration), str(path)], self.tmp / f"{mode}-{port}.log",
                         stdout=subprocess.PIPE)
        self.loads.append(process)
        return process

    def fetch(self, port: int, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                          source_address=("127.99.0.1", 0))
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def origin_cpu(self) -> float:
        return _cpu_seconds(_tree(self.origin.pid)) if self.origin else 0.0

    def settle(self, limit: float = 30.0) -> None:
        """Waits until the origin is idle again (a flood leaves work queued in it)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            before = self.origin_cpu()
            time.sleep(1.0)
            if self.origin_cpu() - before < 0.05:
                return

    # --- the site ---------------------------------------------------------------------

    def read_sitemap(self) -> None:
        status, body = self.fetch(self.origin_port, "/sitemap.xml")
        locs = re.findall(rb"<loc>https?://[^/<]+(/[^<]*)</loc>", body)
        if b"<sitemapindex" in body:  # an index: its parts hold the pages
            parts, locs = locs, []
            for part in parts:
                locs += re.findall(rb"<loc>https?://[^/<]+(/[^<]*)</loc>",
                                   self.fetch(self.origin_port, part.decode())[1])
        self.urls = [loc.decode() for loc in locs]
        if status != 200 or not self.urls:
            raise SystemExit("no sitemap URLs from the origin")

    def config(self, kind: str) -> dict:
        articles = [u for u in self.urls if "/article/" in u]
        words = sorted({w for u in articles for w in u.split("/")[3].split("-") if len(w) > 3})
        hot = [u for u in self.urls if "/article/" not in u]
        return {"urls": self.urls, "articles": articles, "hot": hot, "words": words, "kind": kind,
                "attackers": self.args.attackers, "readers": self.args.readers,
                "think": 1.0, "connections": self.args.slow,
                "addresses": min(self.args.attackers, self.args.slow), "interval": 5.0}

    # --- one measurement ----------------------------------------------------------------

    def run(self, scenario: str, stack: str) -> dict:
        self.settle()
        port, front = self.start_front(stack)
        try:
            hot = [u for u in self.urls if "/article/" not in u]
            self.wait(self.load("crawl", port, 60, dict(self.config("get"), urls=hot)), 90)
            duration = self.args.duration
            started = time.time()
            origin_before, front_before = self.origin_cpu(), _cpu_seconds(_tree(front.pid))
            loads = [self.load("readers", port, duration, self.config(scenario))]
            if scenario in ("get", "archive", "bust", "search", "post"):
                loads.append(self.load("attack", port, duration, self.config(scenario)))
            elif scenario == "slowloris":
                loads.append(self.load("slowloris", port, duration, self.config(scenario)))
            result: dict = {}
            for process in loads:
                result.update(self.wait(process, duration + 60))
            result["origin_cpu"] = self.origin_cpu() - origin_before
            result["front_cpu"] = _cpu_seconds(_tree(front.pid)) - front_before
            if stack != "nginx":
                result["levels"] = _levels(self.tmp / f"front-{port}.log", started)
            return result
        finally:
            self.stop_front(front)

    def wait(self, process: subprocess.Popen, timeout: float) -> dict:
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise SystemExit("a load process overran its time") from None
        if process.returncode != 0:
            log = Path(process.args[-1]).with_suffix(".log")
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise SystemExit(f"a load process failed: {' '.join(process.args[5:7])}\n{tail}")
        return json.loads(out.decode().strip().splitlines()[-1])

    def origin_down(self) -> dict:
        """Share of sitemap URLs each front serves with the origin stopped: the edge;
        nginx after --duration seconds of readers; nginx after crawling them all."""
        crawl = dict(self.config("get"))
        edge_port, edge = self.start_front("altavoz")
        nginx_port, nginx = self.start_front("nginx")
        try:
            self.wait(self.load("readers", nginx_port, self.args.duration, crawl),
                      self.args.duration + 60)
            self.stop_origin()
            result = {"altavoz": self.wait(self.load("crawl", edge_port, 120, crawl), 180),
                      "nginx, warmed by readers":
                          self.wait(self.load("crawl", nginx_port, 120, crawl), 180)}
            self.start_origin()
            self.wait(self.load("crawl", nginx_port, 120, crawl), 180)
            self.stop_origin()
            result["nginx, every URL fetched before"] = self.wait(
                self.load("crawl", nginx_port, 120, crawl), 180)
            return result
        finally:
            self.stop_front(edge)
            self.stop_front(nginx)
            if self.origin is None:
                self.start_origin()


def _tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                queue += [int(child) for child in task.read_text().split()]
    return found


def _levels(log: Path, started: float) -> list[tuple[float, str]]:
    """The edge's attack level changes (detector.py logs each), seconds after start."""
    changes = []
    for line in log.read_text(errors="replace").splitlines():
        match = _LEVEL.match(line)
        if match:
            when = time.mktime(time.strptime(match.group(1).split(",")[0], "%Y-%m-%d %H:%M:%S"))
            changes.append((round(when - started), match.group(2)))
    return changes


def _spawn(command: list[str], log: Path, **options) -> subprocess.Popen:
    """Starts a process with its stderr in `log` (stdout discarded unless given),
    which the kernel stops if this script dies without cleaning up."""
    options.setdefault("stdout", subprocess.DEVNULL)
    with open(log, "ab") as errors:
        return subprocess.Popen(command, cwd=ROOT, stderr=errors, preexec_fn=_die_with_parent,
                                **options)


def _die_with_parent() -> None:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    group = _own_group(process)
    try:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()
    except ProcessLookupError:
        pass


def _own_group(process: subprocess.Popen) -> bool:
    try:
        return os.getpgid(process.pid) == process.pid
    except ProcessLookupError:
        return False


def make_home(tmp: Path, articles: int) -> Path:
    home = tmp / "home"
    env = dict(os.environ, ALTAVOZ_HOME=str(home))
    altavoz = str(VENV_BIN / "altavoz")
    for command in (["init"], ["seed", "--articles", str(articles)], ["build"],
                    ["manage", "collectstatic", "--noinput", "-v0"]):
        subprocess.run([altavoz, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    return home


# --- the report -------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def _attack(result: dict) -> str:
    if "attack" in result:
        answers = {k: v for k, v in result["attack"].items() if k.isdigit()}
        total = max(1, sum(answers.values()))
        top = ", ".join(f"{k} {v / total:.0%}" for k, v in
                        sorted(answers.items(), key=lambda kv: -kv[1])[:3])
        return f"{result['attack_rate']:.0f} req/s ({top})"
    if "slowloris" in result:
        return f"{result['slow_open_median']} slow conns open (max {result['slow_open_max']})"
    return "-"


def _challenged(r: dict) -> str:
    if not r["challenged"]:
        return ""
    return (f"; {r['challenged']} challenges, Python PoW p50 {_ms(r['solve_p50'])} ms, "
            f"p99 with it {_ms(r['p99_with_solving'])} ms")


def report(results: dict[tuple[str, str], list[dict]], runs: int) -> None:
    print(f"\n{'scenario':10} {'stack':11} {'readers ok':>11} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'origin CPU s':>12} {'front CPU s':>11}  attack; edge level")
    for (scenario, stack), found in results.items():
        for n, r in enumerate(found):
            levels = " ".join(f"{level}@{t}s" for t, level in r.get("levels", []))
            success = "-" if r["success"] is None else f"{r['success']:.2%}"
            print(f"{scenario if n == 0 else '':10} {stack:11} {success:>11} "
                  f"{_ms(r['p50']):>7} {_ms(r['p99']):>7} {r['origin_cpu']:12.1f} "
                  f"{r['front_cpu']:11.1f}  {_attack(r)}; {levels or '-'}"
                  f"{'; failed: ' + str(r['failures']) if r['failures'] else ''}"
                  f"{_challenged(r)}")
    print("\nratios, nginx / altavoz (auto), median of runs:")
    for scenario in dict.fromkeys(s for s, _ in results):
        edge, nginx = results.get((scenario, "altavoz")), results.get((scenario, "nginx"))
        if not edge or not nginx:
            continue
        cpu = _median([r["origin_cpu"] for r in nginx]) / max(
            0.01, _median([r["origin_cpu"] for r in edge]))
        p99e = _median([r["p99"] or 0 for r in edge])
        p99n = _median([r["p99"] or 0 for r in nginx])
        print(f"  {scenario:10} origin CPU {cpu:6.1f}x   reader p99 "
              f"{p99n / max(p99e, 1e-6):5.1f}x   reader success "
              f"{_median([r['success'] or 0 for r in nginx]):.2%} vs "
              f"{_median([r['success'] or 0 for r in edge]):.2%}")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attackers", type=int, default=2000)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--slow", type=int, default=2000, help="slowloris connections")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--stacks", default=",".join(STACKS))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--verbose", action="store_true", help="print every result in full")
    parser.add_argument("--home", type=Path, help="an initialised, built home to use as is")
    args = parser.parse_args()
    scenarios = [s for s in args.scenarios.split(",") if s]
    stacks = [s for s in args.stacks.split(",") if s]
    if not set(scenarios) <= set(SCENARIOS) or not set(stacks) <= set(STACKS):
        raise SystemExit(f"scenarios: {', '.join(SCENARIOS)}; stacks: {', '.join(STACKS)}")
    for tool in ("nginx", "taskset"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: `make system-deps` installs it")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores: one for the front, one for the load")

    tmp = Path(tempfile.mkdtemp(prefix="altavoz-flood-"))
    bench = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on SIGTERM too
    try:
        if args.home:
            home = args.home.resolve()
            subprocess.run([str(VENV_BIN / "altavoz"), "manage", "collectstatic", "--noinput",
                            "-v0"], env=dict(os.environ, ALTAVOZ_HOME=str(home)), check=True)
        else:
            print(f"seeding {args.articles} articles and building the edition…", flush=True)
            home = make_home(tmp, args.articles)
        bench = Bench(args, tmp, home)
        bench.start_origin()
        bench.read_sitemap()
        print(f"{len(bench.urls)} sitemap URLs; {args.attackers} attackers, {args.readers} "
              f"readers, {args.duration:.0f} s a scenario", flush=True)
        results: dict[tuple[str, str], list[dict]] = {}
        turn = 0
        for run in range(args.runs):
            for scenario in (s for s in scenarios if s != "down"):
                order = stacks if turn % 2 == 0 else list(reversed(stacks))
                turn += 1
                for stack in order:
                    result = bench.run(scenario, stack)
                    results.setdefault((scenario, stack), []).append(result)
                    print(f"  run {run + 1} {scenario:9} {stack:11} readers "
                          f"{(result['success'] or 0):.2%} p50 {_ms(result['p50'])} ms p99 "
                          f"{_ms(result['p99'])} ms, origin CPU {result['origin_cpu']:.1f} s; "
                          f"{_attack(result)}", flush=True)
                    if args.verbose:
                        print("    " + json.dumps(result), flush=True)
        ordered = {key: results[key] for scenario in scenarios for stack in stacks
                   if (key := (scenario, stack)) in results}
        if ordered:
            report(ordered, args.runs)
        if "down" in scenarios:
            down = bench.origin_down()
            print("\norigin down: sitemap URLs served")
            for name, found in down.items():
                print(f"  {name:32} {found['served']:.1%}  {found['crawl']}")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip this
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if bench is not None:
            for process in [*bench.loads, *bench.fronts]:
                _stop(process)
            bench.stop_origin()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
