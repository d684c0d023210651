"""A mirror that is a directory on this machine (a static server's root, a mount)."""

from __future__ import annotations

from pathlib import Path

from altavoz.editions import store
from altavoz.editions.export import ExportError, export
from altavoz.editions.mirrors.base import (
    MirrorBackend,
    MirrorError,
    Progress,
    PushOptions,
    PushReport,
)


class LocalDirectory(MirrorBackend):
    """The export itself, written straight into the directory: it is already
    incremental, atomic per file and careful with files that are not its own."""

    kind = "directory"

    def __init__(self, target: str, path: Path):
        super().__init__(target)
        self.path = path

    def push(self, home: Path, options: PushOptions,
             progress: Progress | None = None) -> PushReport:
        path = self.path.expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise MirrorError(f"{self.target} is a file, not a directory")
        if path == home or path.is_relative_to(store.root(home)):
            raise MirrorError(f"{self.target} is inside $ALTAVOZ_HOME ({home}); a mirror "
                              "belongs where a web server serves it")
        try:
            report = export(home, path, **options.export_arguments(),
                            progress=progress and (lambda done, total: progress(
                                "export", done, total)))
        except ExportError as exc:
            raise MirrorError(str(exc)) from exc
        except OSError as exc:
            raise MirrorError(f"cannot write {self.target}: {exc.strerror or exc}") from exc
        return PushReport(self.target, report, sent=list(report.written),
                          removed=list(report.removed))
