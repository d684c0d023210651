"""axe-core in a real browser on the pages readers and contributors use most: no
"serious" or "critical" violation, in Spanish and in English.

axe.min.js comes from the npm registry, pinned in the Makefile (`make axe`, which
`make test` runs first). It is injected into each page after it loads; the pages
themselves never ship it. bypass_csp lets the injected script run whatever policy
the page sets.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / ".cache/axe/node_modules/axe-core/axe.min.js"
BLOCKING = {"serious", "critical"}
PASSWORD = "una clave larga de lectora 2026"
LANGUAGES = ["es", "en"]


def _axe(page) -> list[dict]:
    """The page's violations, as axe-core reports them."""
    assert AXE.exists(), f"{AXE} is missing: run `make axe` (npm install of axe-core)"
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def _report(url: str, violations: list[dict]) -> str:
    lines = [f"{url}: {len(violations)} serious or critical accessibility violation(s)"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}"
                     f"  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.append(f"      {node['failureSummary'].replace(chr(10), ' ')[:300]}")
    return "\n".join(lines)


def _check(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    blocking = [v for v in _axe(page) if v["impact"] in BLOCKING]
    assert not blocking, _report(url, blocking)


@pytest.fixture(scope="module")
def site(live_site):
    live_site.cli("seed", "--articles", "12", "--seed", "5")
    live_site.cli("createuser", "lectora", "--role", "contributor", "--password", PASSWORD)
    _wait_for_articles(live_site.url + "/en/")  # the publisher puts them in the edition
    return live_site


def _wait_for_articles(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=10) as response:
            if b"/article/" in response.read():
                return
        time.sleep(0.5)
    raise AssertionError(f"no article on {url} after seeding")


@pytest.fixture
def reader(browser):
    context = browser.new_context(locale="es-VE", bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def contributor(browser, site):
    context = browser.new_context(locale="es-VE", bypass_csp=True)
    page = context.new_page()
    page.goto(site.url + "/es/account/login/")
    page.fill('input[name="username"]', "lectora")
    page.fill('input[name="password"]', PASSWORD)
    page.locator("main form button[type=submit]").click()
    assert "/account/login/" not in page.url, "the contributor could not log in"
    yield page
    context.close()


def test_the_checker_finds_what_it_must(reader, site) -> None:
    """A page with known serious violations (an image without text, an unlabelled
    field) must fail: otherwise a silent axe proves nothing."""
    reader.goto(site.url + "/es/")
    reader.evaluate("""() => {
        const img = document.createElement('img'); img.src = '/static/x.png';
        const input = document.createElement('input'); input.type = 'text';
        document.querySelector('main').append(img, input);
    }""")
    found = {v["id"] for v in _axe(reader) if v["impact"] in BLOCKING}
    assert {"image-alt", "label"} <= found, found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_front_page(reader, site, lang: str) -> None:
    _check(reader, f"{site.url}/{lang}/")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_article(reader, site, lang: str) -> None:
    reader.goto(f"{site.url}/{lang}/")
    link = reader.locator(f"main a[href*='/{lang}/article/']").first
    _check(reader, site.url + link.get_attribute("href"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_results(reader, site, lang: str) -> None:
    _check(reader, f"{site.url}/{lang}/search/?q=agua")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_write_page_for_a_contributor(contributor, site, lang: str) -> None:
    _check(contributor, f"{site.url}/{lang}/write/")
