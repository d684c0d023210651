"""The push log: one JSON line per `altavoz mirror push`, in $ALTAVOZ_HOME/logs/.

Each push gets a name (its UTC time and a few random letters) so an operator can
say which push put which edition where, and when one failed, why.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

LOG_FILE = "logs/mirror-pushes.log"


@dataclass
class PushEntry:
    push: str  # the push's name
    started: str  # UTC, ISO 8601
    target: str
    edition: str | None = None
    seconds: float = 0.0
    files: int = 0
    sent: int = 0
    removed: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def new_entry(target: str) -> PushEntry:
    now = datetime.now(UTC)
    return PushEntry(push=f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}",
                     started=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                     target=target)


def append(home: Path, entry: PushEntry) -> None:
    path = home / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n"
    # One write on an O_APPEND descriptor: two pushes at once never mix their lines.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def read(home: Path, last: int = 20) -> list[PushEntry]:
    """The last `last` pushes, oldest first; lines that are not entries are skipped."""
    try:
        with (home / LOG_FILE).open(encoding="utf-8", errors="replace") as handle:
            lines = deque(handle, maxlen=max(last, 0))
    except FileNotFoundError:
        return []
    entries = []
    for line in lines:
        try:
            entries.append(PushEntry(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return entries
