"""The access log: one JSON object per line, with no raw address in it, ever.

Fields: time (UTC, to the second), client (the /24 or /48 network), method,
path (without the query string: queries can carry what people searched for),
status, bytes sent, us (microseconds from the first byte of the request to the
response being handed to the kernel), edition (first 12 hex of its id).

Lines are built with plain string formatting (json.dumps per request would cost
more than serving the page) and buffered; the housekeeping task flushes them
once a second, or sooner past 64 KiB, so a flood does not turn into a write()
per request.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TextIO

FLUSH_BYTES = 65536


def _quoted(text: str) -> str:
    # Paths reaching here were accepted by the HTTP parser: printable ASCII. Only
    # a quote or backslash needs JSON escaping, and json.dumps handles that case.
    if '"' in text or "\\" in text:
        return json.dumps(text)
    return '"' + text + '"'


class AccessLog:
    def __init__(self, stream: TextIO, owned: bool) -> None:
        self.stream = stream
        self.owned = owned
        self.lines: list[str] = []
        self.size = 0
        self._second = -1
        self._stamp = ""

    @classmethod
    def open(cls, mode: str, home: Path) -> AccessLog | None:
        if mode == "off":
            return None
        if mode == "stdout":
            return cls(sys.stdout, owned=False)
        directory = home / "logs"
        directory.mkdir(parents=True, exist_ok=True)
        return cls(open(directory / "edge-access.log", "a", encoding="utf-8"), owned=True)

    def record(self, client_net: str, method: str, path: str, status: int, sent: int,
               micros: int, edition: str) -> None:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        line = (f'{{"time":"{self._stamp}","client":"{client_net}","method":"{method}",'
                f'"path":{_quoted(path)},"status":{status},"bytes":{sent},"us":{micros},'
                f'"edition":"{edition}"}}\n')
        self.lines.append(line)
        self.size += len(line)
        if self.size > FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        data, self.lines, self.size = "".join(self.lines), [], 0
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a full disk must not stop serving

    def close(self) -> None:
        self.flush()
        if self.owned:
            self.stream.close()
