"""Mirror targets: `altavoz mirror push TARGET` (see base.py for what a push does).

TARGET is read the way rsync and scp read it, so operators can paste what they
already use:

- a directory on this machine: `/srv/mirror`, `./mirror`, `file:///srv/mirror`;
- rsync over ssh: `[USER@]HOST:PATH`, or `ssh://[USER@]HOST[:PORT]/PATH` for a port;
- an rsync daemon: `rsync://[USER@]HOST[:PORT]/MODULE/PATH` or `HOST::MODULE/PATH`.

As with rsync, a colon before the first slash means a host: write `./a:b` for a
local directory named `a:b`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from altavoz.editions.mirrors.base import (
    MirrorBackend,
    MirrorError,
    Progress,
    PushOptions,
    PushReport,
)
from altavoz.editions.mirrors.local import LocalDirectory
from altavoz.editions.mirrors.rsync import Rsync, default_rsh

__all__ = ["MirrorBackend", "MirrorError", "Progress", "PushOptions", "PushReport",
           "backend_for"]

_USER = r"[A-Za-z0-9._][A-Za-z0-9._-]*"
_HOST = r"\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*"
_SCP = re.compile(rf"(?:(?P<user>{_USER})@)?(?P<host>{_HOST}):(?P<path>[^:].*|)")
_DAEMON = re.compile(rf"(?:{_USER}@)?(?:{_HOST})::[A-Za-z0-9._-]+(?:/.*)?")


def backend_for(target: str, *, rsh: str | None = None) -> MirrorBackend:
    """The backend that pushes to `target`; MirrorError, with the forms, when it is none."""
    if not target.strip() or any(ord(c) < 32 for c in target):
        raise MirrorError(f"{target!r} is not a mirror target. {_FORMS}")
    if target.startswith("file://"):
        return LocalDirectory(target, Path(unquote(urlsplit(target).path)))
    if target.startswith(("ssh://", "rsync://")):
        return _from_url(target, rsh)
    if _DAEMON.fullmatch(target):
        return Rsync(target, target)
    if ":" in target.split("/", 1)[0]:
        found = _SCP.fullmatch(target)
        if not found or not found["path"]:
            raise MirrorError(f"{target!r} is not a mirror target: a host needs a directory "
                              f"after the colon (user@host:/srv/altavoz). {_FORMS}")
        return Rsync(target, target, default_rsh(rsh))
    return LocalDirectory(target, Path(target))


def _from_url(target: str, rsh: str | None) -> Rsync:
    parts = urlsplit(target)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (not parts.hostname or port == -1 or parts.password or parts.query or parts.fragment
            or not re.fullmatch(_HOST, _bracketed(parts.hostname))
            or (parts.username and not re.fullmatch(_USER, parts.username))):
        raise MirrorError(f"{target!r} is not a mirror target (passwords do not belong in it: "
                          f"use an ssh key, or RSYNC_PASSWORD for a daemon). {_FORMS}")
    path = unquote(parts.path)
    if parts.scheme == "rsync":
        if len(path.strip("/")) == 0:
            raise MirrorError(f"{target!r} names no rsync module (rsync://host/module/path)")
        return Rsync(target, target)
    if len(path) <= 1:
        raise MirrorError(f"{target!r} names no directory (ssh://host/srv/altavoz)")
    user = f"{parts.username}@" if parts.username else ""
    command = default_rsh(rsh)
    if port:
        command += ["-p", str(port)]
    return Rsync(target, f"{user}{_bracketed(parts.hostname)}:{path}", command)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


_FORMS = ("Use a directory (/srv/mirror), [user@]host:/path or ssh://[user@]host[:port]/path "
          "(rsync over ssh), or rsync://host/module/path (an rsync daemon).")
