"""On a static mirror, forms and origin-only pages point to the origin.

A static host cannot take a POST, run a search or log anyone in: those links
would answer 404 there. So an export made for a mirror (`altavoz export`,
`altavoz mirror push`) sends them to the origin's address, in HTML, feeds and JSON:

- every root-relative form `action`/`formaction` (the search forms included);
- every root-relative `href`/`src` to a path the edition lacks and the edge
  forwards to the origin (`shield.routes.is_origin_path`: writing, account,
  editor, comment forms…), or whose query string selects an answer (search
  words, API filters: a static host ignores queries);
- notes written for mirrors: `<p class="mirror-only" hidden>` loses `hidden`, and
  an empty `<a class="origin-url" href="/path"></a>` gets the origin's URL for
  that path as its address and its text (the search page says where search runs).

It runs after `layout.Rewriter` (a `--base-url` prefix is already on root-relative
links) and `unrewrite` is its inverse, so verify can recover the signed bytes
and then check that rewriting them again gives the file back byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from altavoz.editions import layout
from altavoz.editions.layout import Rewriter
from altavoz.shield.routes import DEFAULT_LANGUAGES, is_origin_path, query_selects

# The origin address the export sent forms to, for verify (one line, like rewritten-for).
ORIGIN_FILE = f"{layout.WELL_KNOWN}/origin-url"

_VALUE = rb"""(/(?!/)[^"'\s>]*)"""  # a root-relative attribute value
_ACTION_HEAD = rb"""(\s(?:action|formaction)\s*=\s*["']?)"""
# Not the href of an origin-url anchor: that one has its own rule below.
_LINK_HEAD = rb"""(?<!class="origin-url")(\s(?:href|src)\s*=\s*["']?)"""
_JSON_VALUE = rb'(/(?!/)[^"\\]*)'
_KNOWN_LINKS = 4096  # links whose answer is remembered (a few hundred KB)
_SHOWN = re.compile(rb'(<[a-zA-Z]+ class="mirror-only") hidden>')
_HIDDEN = re.compile(rb'(<[a-zA-Z]+ class="mirror-only")>')


class OriginLinks:
    """Points a mirror's forms and origin-only links at `origin_url`."""

    def __init__(self, origin_url: str, manifest: dict, prefix: str = ""):
        self.url = origin_url.rstrip("/").encode()
        self.prefix = prefix.rstrip("/").encode()  # the --base-url path prefix, if any
        self.paths = set(manifest.get("paths", {})) | set(manifest.get("redirects", {}))
        self.languages = tuple(manifest.get("site", {}).get("languages") or DEFAULT_LANGUAGES)
        self._known: dict[bytes, bool] = {}
        url, pre = re.escape(self.url), re.escape(self.prefix)
        self._actions = (re.compile(_ACTION_HEAD + pre + _VALUE, re.I),
                         re.compile(_ACTION_HEAD + url + _VALUE, re.I))
        self._links = (re.compile(_LINK_HEAD + pre + _VALUE, re.I),
                       re.compile(_LINK_HEAD + url + _VALUE, re.I))
        self._json = (re.compile(layout._JSON_HEAD + pre + _JSON_VALUE, re.I),
                      re.compile(layout._JSON_HEAD + url + _JSON_VALUE, re.I))
        self._empty_anchor = re.compile(rb'<a class="origin-url" href="' + pre
                                        + rb'(/[^"<>]*)"></a>')
        self._filled_anchor = re.compile(rb'<a class="origin-url" href="' + url
                                         + rb'(/[^"<>]*)">' + url + rb"\1</a>")

    def rewrite(self, data: bytes, content_type: str) -> bytes:
        to_origin = self._origin_only_to(self.url)
        if layout._is_json(content_type):
            return self._json[0].sub(to_origin, data)
        data = self._empty_anchor.sub(
            lambda m: b'<a class="origin-url" href="%s%s">%s%s</a>' % (
                self.url, m.group(1), self.url, m.group(1)), data)
        data = _SHOWN.sub(rb"\1>", data)
        data = self._actions[0].sub(lambda m: m.group(1) + self.url + m.group(2), data)
        return self._links[0].sub(to_origin, data)

    def unrewrite(self, data: bytes, content_type: str) -> bytes:
        back = self._origin_only_to(self.prefix)
        if layout._is_json(content_type):
            return self._json[1].sub(back, data)
        data = self._links[1].sub(back, data)
        data = self._actions[1].sub(lambda m: m.group(1) + self.prefix + m.group(2), data)
        data = _HIDDEN.sub(rb"\1 hidden>", data)
        return self._filled_anchor.sub(
            lambda m: b'<a class="origin-url" href="%s%s"></a>' % (self.prefix, m.group(1)), data)

    def _origin_only_to(self, start: bytes) -> Callable[[re.Match], bytes]:
        """A substitution putting `start` before the path of origin-only links."""
        def swap(match: re.Match) -> bytes:
            if not self.origin_only(match.group(2)):
                return match.group(0)
            return match.group(1) + start + match.group(2)
        return swap

    def origin_only(self, link: bytes) -> bool:
        """A link a static mirror cannot answer but the origin (or an edge) can."""
        # Most links on a page are its masthead's and footer's, the same on every page.
        known = self._known.get(link)
        if known is None:
            if len(self._known) >= _KNOWN_LINKS:
                self._known.clear()
            known = self._known[link] = self._origin_only(link)
        return known

    def _origin_only(self, link: bytes) -> bool:
        parts = urlsplit(link.decode("utf-8", "replace"))
        if parts.query and query_selects(parts.path.encode(), self.languages):
            return True
        path = unquote(parts.path)
        if parts.path in self.paths or path in self.paths:
            return False
        return is_origin_path(path, self.languages)


class MirrorRewriter:
    """What an export does to a page: the `--base-url` rewriting, then the origin links.
    Either may be absent; `unrewrite` undoes both, in the reverse order."""

    def __init__(self, base: Rewriter | None, base_url: str | None,
                 links: OriginLinks | None, origin_url: str | None):
        self.base, self.base_url = base, base_url
        self.links, self.origin_url = links, origin_url

    def rewrite(self, data: bytes, content_type: str) -> bytes:
        if self.base:
            data = self.base.rewrite(data, content_type)
        if self.links:
            data = self.links.rewrite(data, content_type)
        return data

    def unrewrite(self, data: bytes, content_type: str) -> bytes:
        if self.links:
            data = self.links.unrewrite(data, content_type)
        if self.base:
            data = self.base.unrewrite(data, content_type)
        return data


def for_export(manifest: dict, base_url: str | None,
               origin_url: str | None) -> MirrorRewriter | None:
    """The rewriting an export for `base_url` sending forms to `origin_url` needs, if any.
    Both URLs are already checked (export.check_base_url, config.site_url)."""
    site = manifest.get("site", {}).get("base_url", "")
    if base_url and base_url.rstrip("/") == site.rstrip("/"):
        base_url = None  # the origin's own address: links are right as they are
    base = Rewriter(site, base_url) if base_url else None
    prefix = layout.base_prefix(base_url) if base_url else ""
    links = OriginLinks(origin_url, manifest, prefix) if origin_url else None
    if not (base or links):
        return None
    return MirrorRewriter(base, base_url, links, origin_url)


def signed_origin(manifest: dict) -> str:
    """The origin address the signed manifest vouches for: its `origin_url` when
    the build recorded one, else its base URL."""
    site = manifest.get("site", {})
    return (site.get("origin_url") or site.get("base_url") or "").rstrip("/")

