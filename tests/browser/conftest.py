"""A real site for a real browser: `altavoz init` and `altavoz serve` (edge, origin
and publisher; the first start builds the first edition) in
a fresh home, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the tests only touch
# the database through the CLI, never the ORM, so Django's async guard can relax.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class LiveSite:
    home: Path
    url: str
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "altavoz.cli", *args], env=self.env, input=stdin,
            capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"altavoz serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/es/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("altavoz serve did not answer in time")


@pytest.fixture(scope="module")
def live_site(tmp_path_factory) -> Iterator[LiveSite]:
    home = tmp_path_factory.mktemp("home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env |= {
        "ALTAVOZ_HOME": str(home), "ALTAVOZ_LISTEN": f"127.0.0.1:{port}",
        # Free ports for the origin and the edge's metrics: tests may run beside a demo.
        "ALTAVOZ_ORIGIN_LISTEN": f"127.0.0.1:{_free_port()}",
        "ALTAVOZ_EDGE_METRICS_LISTEN": f"127.0.0.1:{_free_port()}",
        "ALTAVOZ_DATABASE_URL": "", "ALTAVOZ_WORKERS": "1", "LANG": "en_GB.UTF-8",
    }
    site = LiveSite(home=home, url=f"http://127.0.0.1:{port}", env=env)
    site.cli("init")
    process = subprocess.Popen(
        [sys.executable, "-m", "altavoz.cli", "serve"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(site.url, process)
        yield site
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="es-VE")
    yield context.new_page()
    context.close()
