"""Line diffs between two revisions, as data for the template to escape.

The diff is returned as (kind, text) pairs rather than HTML so that the
template's autoescaping handles every character a contributor typed: no HTML
is built here, so nothing here can be the injection point.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from altavoz.newsroom.models import Revision

FIELDS = (("title", _("Title")), ("lede", _("Summary")), ("body", _("Text")))
# Lines of unchanged text shown around each change.
CONTEXT_LINES = 2


@dataclass
class DiffLine:
    kind: str  # "context", "added", "removed" or "gap"
    text: str


@dataclass
class FieldDiff:
    name: str
    label: str
    lines: list[DiffLine] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(line.kind in {"added", "removed"} for line in self.lines)


def diff_text(old: str, new: str) -> list[DiffLine]:
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines)
    for index, group in enumerate(matcher.get_grouped_opcodes(CONTEXT_LINES)):
        if index:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("context", text) for text in old_lines[i1:i2])
                continue
            if tag in {"replace", "delete"}:
                lines.extend(DiffLine("removed", text) for text in old_lines[i1:i2])
            if tag in {"replace", "insert"}:
                lines.extend(DiffLine("added", text) for text in new_lines[j1:j2])
    return lines


def diff_revisions(old: Revision | None, new: Revision) -> list[FieldDiff]:
    """Title, summary and text of `new` against `old` (None: everything is new)."""
    return [
        FieldDiff(name, str(label), diff_text(getattr(old, name, "") if old else "",
                                              getattr(new, name)))
        for name, label in FIELDS
    ]
