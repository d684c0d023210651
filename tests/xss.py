"""What "no executable content" means, checked on parsed HTML, not on strings."""

from __future__ import annotations

from html.parser import HTMLParser

DANGEROUS_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "style", "link", "meta", "base", "form", "input", "button", "textarea", "select",
    "template", "noscript", "xml", "video", "audio", "source",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster",
                  "srcset", "data", "codebase", "cite", "longdesc", "usemap", "lowsrc", "dynsrc"}
SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "style" or name == "srcdoc":
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES:
                compact = "".join(ch for ch in value if not ch.isspace() and ord(ch) > 31).lower()
                if ":" in compact.split("/", 1)[0] and not compact.startswith(SAFE_SCHEMES):
                    self.problems.append(f"{tag}[{name}]={value!r}")

    handle_startendtag = handle_starttag


def executable_content(html: str) -> list[str]:
    """Every tag or attribute in `html` that a browser could run; [] when safe."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems
