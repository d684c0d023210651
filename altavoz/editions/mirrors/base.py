"""What every mirror target does: make the mirror hold the current edition.

A push is an export (`altavoz.editions.export`) into the mirror's directory, or
into a staging directory that is then copied across. Either way only what
changed travels, the manifest and its signature arrive last (a mirror never
shows a manifest naming files that are not there yet), and files of an earlier
push that the edition no longer has are removed, while files the mirror's host
put there itself (a CNAME, a certificate challenge) are never touched: the
export's record, `.well-known/altavoz/export-files.txt`, says which are ours.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from altavoz.editions.export import ExportReport


class MirrorError(Exception):
    """The push cannot be made; the message says why and what to do."""


class Progress(Protocol):
    def __call__(self, phase: str, done: int, total: int | None) -> None: ...


@dataclass(frozen=True)
class PushOptions:
    """How the mirror's copy is made: `altavoz export`'s options."""

    edition: str | None = None
    base_url: str | None = None
    origin_links: bool = True
    origin_url: str | None = None

    def export_arguments(self) -> dict:
        return {"edition": self.edition, "base_url": self.base_url,
                "origin_links": self.origin_links, "origin_url": self.origin_url}


@dataclass
class PushReport:
    target: str
    export: ExportReport
    sent: list[str] = field(default_factory=list)  # files written on the mirror
    removed: list[str] = field(default_factory=list)  # files removed from it


class MirrorBackend(ABC):
    """One kind of mirror target (a directory, rsync)."""

    kind: str

    def __init__(self, target: str):
        self.target = target  # as the operator wrote it: logs and messages show this

    @abstractmethod
    def push(self, home: Path, options: PushOptions,
             progress: Progress | None = None) -> PushReport:
        """Bring the mirror to edition `options.edition` (default: the current one)."""
