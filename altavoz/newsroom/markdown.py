"""Markdown to safe HTML.

Two layers, on purpose: markdown-it renders with raw HTML disabled (so `<script>`
in the source comes out as text), then nh3 cleans the result against an
allow-list, which also strips `javascript:` and `data:` URLs markdown-it let by.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "a", "ul", "ol", "li", "table", "thead", "tbody", "tr",
    "th", "td", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])
# Headings inside an article start at h2: the page's h1 is the article title.
_HEADING_SHIFT = {f"<h1{end}": f"<h2{end}" for end in (">", " ")} | {"</h1>": "</h2>"}


def render_markdown(source: str) -> str:
    html = _md.render(source or "")
    for old, new in _HEADING_SHIFT.items():
        html = html.replace(old, new)
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener ugc",
        strip_comments=True,
        attribute_filter=_same_site_images,
    )


def _same_site_images(tag: str, attribute: str, value: str) -> str | None:
    # A remote image would make every reader's browser call another host.
    remote = not value.startswith("/") or value.startswith("//")
    if tag == "img" and attribute == "src" and remote:
        return None
    return value
