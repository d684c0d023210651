"""Generated Markdown and HTML, XSS payloads mixed in: what comes out holds only what
the allow-lists allow, nothing a browser would run, and is stable when cleaned again.

test_sanitize.py checks each payload in tests/data/xss_payloads.txt through the
article renderer, and random fragments. Here payloads are spliced into generated
Markdown structure (links, images, reference definitions, autolinks, tables, code,
quotes, lists), with obfuscated URLs, through all three ways text becomes HTML:
article Markdown, comment Markdown, and nh3 alone on raw HTML (the second layer
must hold even if the first let HTML through). fuzz/sanitize.py runs the same
check under atheris.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altavoz.debate import markdown as comments
from altavoz.newsroom import markdown as articles
from fuzz import corpus
from tests.newsroom.test_sanitize import PAYLOADS
from tests.xss import URL_ATTRIBUTES, executable_content

pytestmark = pytest.mark.fuzz


class _Tokens(HTMLParser):
    """Start tags (with attributes) and text, as a browser's tokenizer meets them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.tokens: list[tuple] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self.tokens.append((tag, tuple(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if self.tokens and self.tokens[-1][0] == "#text":
            data = self.tokens.pop()[1] + data
        self.tokens.append(("#text", data))


def _tokenize(html: str) -> _Tokens:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser


def tags_of(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    return _tokenize(html).tags


def _clean_comment_html(html: str) -> str:
    return nh3.clean(html, tags=comments.ALLOWED_TAGS, attributes=comments.ALLOWED_ATTRIBUTES,
                     url_schemes=comments.URL_SCHEMES, link_rel="nofollow noopener ugc",
                     strip_comments=True)


# nh3 (ammonia) keeps these on every allowed tag unless told otherwise: inert text.
GENERIC = {"lang", "title"}
# name → (source → HTML, the cleaner alone, allowed tags, allowed attributes per tag)
RENDERERS: dict[str, tuple[Callable[[str], str], Callable[[str], str], set[str],
                           dict[str, set[str]]]] = {
    "article": (articles.render_markdown, articles.sanitize_html, articles.ALLOWED_TAGS,
                articles.ALLOWED_ATTRIBUTES),
    "comment": (comments.render_comment, _clean_comment_html, comments.ALLOWED_TAGS,
                comments.ALLOWED_ATTRIBUTES),
    "raw_html": (articles.sanitize_html, articles.sanitize_html, articles.ALLOWED_TAGS,
                 articles.ALLOWED_ATTRIBUTES),
}


def _scheme(url: str) -> str | None:
    """The scheme a browser reads in `url` (WHATWG URL parsing): leading and trailing
    C0 controls and spaces are stripped, tabs and newlines removed anywhere, and only
    a letter can start a scheme."""
    url = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(33)))))
    found = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return found.group(1).lower() if found else None


def executable(html: str) -> list[str]:
    """tests/xss.py's findings, less one kind of false alarm: it flags any ":" before
    the first "/" of a URL, but "%EF%BF%BDjavascript:x" (what markdown-it makes of a
    NUL before the scheme) is a relative path to a browser, not a javascript: URL."""
    harmless = {f"{tag}[{name}]={value!r}" for tag, attrs in tags_of(html)
                for name, value in attrs if name in URL_ATTRIBUTES
                and _scheme(value or "") in (None, "http", "https", "mailto")}
    return [problem for problem in executable_content(html) if problem not in harmless]


def check_html(html: str, renderer: str) -> None:
    """The property, for HTML that came out of `renderer`."""
    _, clean, tags, attributes = RENDERERS[renderer]
    assert executable(html) == [], html
    for tag, attrs in tags_of(html):
        assert tag in tags, (tag, html)
        allowed = attributes.get(tag, set()) | GENERIC | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            assert name in allowed, (tag, name, html)
            if tag == "img" and name == "src":  # never a request to another host
                assert value and value.startswith("/") and not value.startswith("//"), html
            if tag == "a" and name == "rel":
                assert value == "nofollow noopener ugc", html
    # Cleaning again turns no text into markup nor markup into text, and changes no
    # attribute: output that re-parses into other tokens is how mutation XSS gets past
    # sanitizers. (End tags may move: nested links, say, re-parse as siblings.)
    assert _tokenize(clean(html)).tokens == _tokenize(html).tokens, html


def check_source(source: str) -> None:
    for name, (render, *_rest) in RENDERERS.items():
        check_html(render(source), name)


# --- generated input ----------------------------------------------------------------------

SCHEMES = ["javascript", "JaVaScRiPt", "java\tscript", "java\nscript", "java&#x09;script",
           "&#106;avascript", "java%73cript", "vbscript", "data", "DATA", "livescript",
           "http", "https", "mailto", "ftp", "file", "jar", "blob", "filesystem"]
URLS = st.one_of(
    st.tuples(st.sampled_from(["", " ", "\x00", "\x01", "&#0;", "\u200b", "%20"]),
              st.sampled_from(SCHEMES),
              st.sampled_from([":", "&colon;", "&#58;", "&#x3a;", "%3a", " :", ":\t"]),
              st.sampled_from(["alert(1)", "//xss.example/a.js", "text/html,<script>x</script>",
                               "text/html;base64,PHNjcmlwdD4=", "//ok.example/a b"])
              ).map("".join),
    st.sampled_from(["/media/a.jpg", "//xss.example/p.gif", "\\\\xss.example", "/\\xss.example",
                     "#top", "?q=1", "a.jpg", "/es/", "https://ok.example/x", "<>", "()"]),
)

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
QUOTE = st.sampled_from(['"', "'", "(", ""])
HANDLERS = st.sampled_from(["onclick", "onerror", "onload", "onmouseover", "onfocus", "ONCLICK",
                            "onbegin", "ontoggle", "style", "srcdoc", "formaction"])


@st.composite
def inline(draw: st.DrawFn) -> str:
    url, text, title = draw(URLS), draw(TEXT | st.sampled_from(PAYLOADS)), draw(TEXT)
    quote, handler = draw(QUOTE), draw(HANDLERS)
    closing = {'"': '"', "'": "'", "(": ")", "": ""}[quote]
    return draw(st.sampled_from([
        f"[{text}]({url})", f"![{text}]({url})", f"[{text}]({url} {quote}{title}{closing})",
        f"![{text}]({url} {quote}{title}{closing})", f"<{url}>", f"[{text}][r]",
        f"![{text}][r]", f"`{text}`", f"**{text}**", f"_{text}_", f"~~{text}~~",
        f'<a href="{url}">{text}</a>', f"<img src={url} alt={text}>", f"&{text};",
        f'<a href="{url}" {handler}="alert(1)">{text}</a>', f"<img src={url} {handler}=alert(1)>",
        f'<p {handler}=alert(1) title="{title}">{text}</p>',
    ]))


@st.composite
def block(draw: st.DrawFn) -> str:
    body = " ".join(draw(st.lists(inline() | TEXT | st.sampled_from(PAYLOADS), max_size=4)))
    url, title = draw(URLS), draw(TEXT)
    return draw(st.sampled_from([
        body, f"# {body}", f"## {body}", f"> {body}", f"- {body}", f"1. {body}",
        f"    {body}", f"```\n{body}\n```", f"| a | b |\n|---|---|\n| {body} | x |",
        f"[r]: {url}", f'[r]: {url} "{title}"', f"[r]:\n  <{url}>", f"<div>\n{body}\n</div>",
        f"{body}\n===", f"***\n{body}",
    ]))


MARKDOWN = st.lists(block(), min_size=1, max_size=5).map("\n\n".join)
SANITIZE = settings(max_examples=150, deadline=None)


@SANITIZE
@given(MARKDOWN)
def test_generated_markdown_with_payloads_renders_to_allowed_html_only(source: str) -> None:
    check_source(source)


@SANITIZE
@given(st.lists(st.sampled_from(PAYLOADS) | inline() | TEXT, min_size=1, max_size=6).map("".join))
def test_payloads_run_together_stay_inert(source: str) -> None:
    check_source(source)


@SANITIZE
@given(st.lists(st.sampled_from(["<", ">", "</", "/>", "=", '"', "'", "`", " ", "\n", "\x00",
                                 "&", "#", ";", "a", "img", "svg", "math", "style", "script",
                                 "iframe", "table", "td", "template", "noscript", "title",
                                 "textarea", "select", "option", "xmp", "plaintext", "!--",
                                 "-->", "<![CDATA[", "]]>", "src", "href", "onerror",
                                 "javascript:", "alert(1)"])
                | URLS, min_size=1, max_size=40).map("".join))
def test_tag_soup_through_the_cleaner_alone(source: str) -> None:
    """nh3 on raw HTML, as if markdown-it had let it through: the second layer holds."""
    check_html(articles.sanitize_html(source), "raw_html")


@pytest.mark.parametrize("path", corpus("sanitize"), ids=lambda path: path.name)
def test_the_fuzzing_corpus_still_passes(path: Path) -> None:
    """fuzz/corpus/sanitize: the atheris target's seeds and saved reproducers."""
    from fuzz.sanitize import one_input

    one_input(path.read_bytes())


def test_the_checks_catch_what_they_must() -> None:
    for bad in ('<iframe src="/x"></iframe>', '<a href="/x" onclick="x()">x</a>',
                '<img src="https://tracker.example/p.gif">', '<p style="color:red">x</p>',
                '<a href="/x" rel="opener">x</a>', '<span>x</span>'):
        try:
            check_html(bad, "article")
        except AssertionError:
            continue
        raise AssertionError(f"check_html passed {bad!r}")
    check_html('<p><a href="https://ok.example" rel="nofollow noopener ugc">ok</a></p>',
               "article")
    assert executable('<a href="%EF%BF%BDjavascript:alert(1)">x</a>') == []
    for url in (" java\tscript:alert(1)", "\x01javascript:x", "JAVASCRIPT:x", "data:x"):
        assert executable(f'<a href="{url}">x</a>'), url
