"""What the challenge costs: the edge to check it, a browser to solve it.

    .venv/bin/python bench/edge_challenge.py [--bits 12,14,16,18,20] [--trials 15]

Prints:
- the edge's side, in-process, in µs: checking a proof of work (one HMAC, one
  SHA-256), checking a clearance cookie (one HMAC), a whole request under attack
  with a valid cookie, and making the challenge page (two HMACs and the HTML);
- the browser's side: median and 90th percentile time for Debian's Chromium to
  solve a challenge at each difficulty, with the edge's own Web Worker script
  (static/challenge-worker.js), and the hashes a second it managed.

A measurement for docs/BENCHMARKS.md and for choosing ALTAVOZ_EDGE_CHALLENGE_BITS_*,
not a test.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from altavoz.shield import clearance  # noqa: E402
from altavoz.shield.context import EdgeContext  # noqa: E402
from altavoz.shield.protocol import EdgeProtocol  # noqa: E402
from bench.edge_request_path import BROWSER, _Transport, synthetic_edge  # noqa: E402

NET = "203.0.113.0/24"
UA = b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _best(calls: dict[str, object], rounds: int, repeats: int = 9) -> dict[str, float]:
    """µs per call of each, the best of a few runs taken in turn, so that other work
    on the machine (which only ever adds) weighs on every row alike."""
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(repeats):
        for name, call in calls.items():
            start = time.perf_counter()
            for _ in range(rounds // repeats):
                call()  # type: ignore[operator]
            best[name] = min(best[name], (time.perf_counter() - start) / (rounds // repeats))
    return {name: seconds * 1e6 for name, seconds in best.items()}


def edge_side(rounds: int) -> None:
    loader, _edition, settings = synthetic_edge(
        replay_entries=0, attack_level="under_attack", limit_read=None, limit_read_prefix=None)
    ctx = EdgeContext(settings, loader)
    key, now = ctx.gate.key, time.time()
    token = clearance.challenge(key, NET, 16, now)
    counter = clearance.solve(token)
    cookie = clearance.clearance(key, NET, UA, 3600, now)
    protocol = EdgeProtocol(ctx)
    protocol.connection_made(_Transport())  # type: ignore[arg-type]
    pair = settings.clearance_cookie.encode() + b"=" + cookie
    cleared = (b"GET /es/article/asamblea/ HTTP/1.1\r\nCookie: theme=dark; " + pair
               + b"\r\n" + BROWSER)
    challenged = b"GET /es/article/asamblea/ HTTP/1.1\r\n" + BROWSER
    normal = EdgeProtocol(EdgeContext(settings.with_(attack_level="normal"), loader))
    normal.connection_made(_Transport())  # type: ignore[arg-type]
    rows = _best({
        "check a proof of work": lambda: clearance.check_work(key, NET, token, counter, now,
                                                              300),
        "check a clearance cookie": lambda: clearance.cleared(key, NET, UA, cookie, now),
        "same request at normal level": lambda: normal.data_received(cleared),
        "request under attack, cleared": lambda: protocol.data_received(cleared),
        "request under attack, challenged": lambda: protocol.data_received(challenged),
    }, rounds)
    print("edge side (µs, in-process, one core)")
    for name, micros in rows.items():
        print(f"  {name:34} {micros:8.2f}")


def browser_side(bits_list: list[int], trials: int) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    source = (ROOT / "altavoz" / "shield" / "static" / "challenge-worker.js").read_text()
    print(f"browser side (Chromium {chromium}, the edge's worker script, {trials} "
          "challenges each)")
    print(f"  {'bits':>4} {'median ms':>10} {'p90 ms':>8} {'hashes/s':>10}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content("<!DOCTYPE html><title>bench</title>")
        for bits in bits_list:
            times, tried = [], 0
            for _ in range(trials):
                key = clearance.Key(secrets.token_bytes(32))
                token = clearance.challenge(key, NET, bits, time.time())
                result = page.evaluate(
                    """([source, token, bits]) => new Promise((resolve) => {
                        const url = URL.createObjectURL(new Blob([source],
                                                        {type: "text/javascript"}));
                        const worker = new Worker(url);
                        const start = performance.now();
                        worker.onmessage = (event) => {
                            if (event.data.found === undefined) return;
                            worker.terminate();
                            resolve({ms: performance.now() - start, tried: event.data.tried,
                                     found: event.data.found});
                        };
                        worker.postMessage({token, bits});
                    })""", [source, token.decode(), bits])
                found = result["found"].encode()  # the worker's answer must be right
                assert clearance.leading_zero_bits(hashlib.sha256(token + found).digest(), bits)
                times.append(result["ms"])
                tried += result["tried"]
            times.sort()
            p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
            print(f"  {bits:4} {statistics.median(times):10.1f} {p90:8.1f} "
                  f"{tried / (sum(times) / 1000):10.0f}")
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bits", default="12,14,16,18,20")
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=50000)
    args = parser.parse_args()
    edge_side(args.rounds)
    browser_side([int(item) for item in args.bits.split(",")], args.trials)
    return 0


if __name__ == "__main__":
    sys.exit(main())
