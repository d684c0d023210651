"""atheris target: any text through the three ways the site turns text into HTML
(article Markdown, comment Markdown, nh3 alone on raw HTML).

The first byte picks the way, the rest is UTF-8 (invalid bytes become U+FFFD).
Checked with tests/newsroom/test_sanitize_fuzz.check_html: nothing executable
(tests/xss.py), only allow-listed tags and attributes, images from this site
only, and output that cleaning again leaves unchanged.
"""

from __future__ import annotations

from tests.newsroom.test_sanitize_fuzz import RENDERERS, check_html

_NAMES = sorted(RENDERERS)


def one_input(data: bytes) -> None:
    if not data:
        return
    name = _NAMES[data[0] % len(_NAMES)]
    render = RENDERERS[name][0]
    check_html(render(data[1:].decode("utf-8", "replace")), name)
