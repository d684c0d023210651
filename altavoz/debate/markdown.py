"""Comment Markdown: a smaller subset than articles, cleaned the same way.

Paragraphs, emphasis, links, quotes, code and lists. No headings (a comment must
not look like the article's structure), no images (they would make every reader's
browser fetch something a stranger chose), no tables, no rules. The same two
layers as articles: markdown-it with raw HTML off, then nh3 against an allow-list.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "blockquote", "pre", "code", "em", "strong", "del", "a", "ul", "ol", "li",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["strikethrough"])
_md.disable(["heading", "lheading", "image", "hr", "html_block", "html_inline"])


def render_comment(source: str) -> str:
    return nh3.clean(
        _md.render(source or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )
