"""No XSS payload survives Markdown rendering as something a browser would run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altavoz.newsroom.markdown import render_markdown
from tests.xss import executable_content

PAYLOAD_FILE = Path(__file__).parent.parent / "data" / "xss_payloads.txt"


def _decode(line: str) -> str:
    line = line.replace("\\n", "\n").replace("\\0", "\x00")
    return re.sub(r"\\x([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), line)


def load_payloads() -> list[str]:
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    return [_decode(line) for line in lines if line.strip() and not line.startswith("#")]


PAYLOADS = load_payloads()


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 100


def test_the_checker_catches_what_it_must():
    # A checker that finds nothing proves nothing: show it finds the real thing.
    assert executable_content("<script>alert(1)</script>")
    assert executable_content('<a href=" JaVa\tscript:alert(1)">x</a>')
    assert executable_content('<img src="x" onerror="alert(1)">')
    assert executable_content('<a href="data:text/html,x">x</a>')
    assert not executable_content('<p><a href="https://ok.example">ok</a></p>')


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_not_executable(payload: str):
    html = render_markdown(payload)
    assert executable_content(html) == [], html


@pytest.mark.parametrize("payload", PAYLOADS[:40])
def test_payload_inside_markdown_structure(payload: str):
    source = f"## Title\n\n- item {payload}\n\n> quote {payload}\n\n[{payload}](https://ok.example)"
    assert executable_content(render_markdown(source)) == []


def test_remote_images_are_dropped_but_local_ones_kept():
    html = render_markdown("![a](https://tracker.example/p.gif) ![b](/media/covers/b.jpg)")
    assert "tracker.example" not in html
    assert 'src="/media/covers/b.jpg"' in html


def test_links_get_rel_nofollow():
    assert 'rel="nofollow noopener ugc"' in render_markdown("[a](https://ok.example)")


FRAGMENTS = st.sampled_from([
    "<", ">", "script", "img", "svg", " src=", " href=", " onerror=", "javascript:", "data:",
    "&#", "x6A;", "\"", "'", "`", "[", "](", ")", "!", "\n", "\t", "=", "alert(1)", "/", "&colon;",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=5), max_size=40).map("".join))
def test_random_fragments_never_produce_executable_html(source: str):
    assert executable_content(render_markdown(source)) == []
