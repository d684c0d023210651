"""A mirror on another machine, updated with rsync (over ssh, or from an rsync daemon).

The edition is exported into a staging directory under $ALTAVOZ_HOME (itself
incremental: unchanged files keep their bytes and times), then rsync sends
what differs, in three steps, each a separate rsync run:

1. pages, assets and their .gz/.br (`--delay-updates`: renamed into place
   together at the end), everything but the manifest and signature;
2. the manifest and signature, so a mirror never shows a manifest naming
   files that have not arrived;
3. removal of the files the previous push left that this edition lacks, then
   the new record of what the mirror holds.

What to remove comes from the mirror's own record (fetched first), not from a
`--delete` of everything unknown: files the host put there are left alone.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from altavoz.editions import layout
from altavoz.editions.export import ExportError, _read_records, export
from altavoz.editions.mirrors.base import (
    MirrorBackend,
    MirrorError,
    Progress,
    PushOptions,
    PushReport,
)

# Waits bounded, so a push from cron never hangs: ssh gives up connecting after
# 15 s, rsync after 60 s without any data moving.
DEFAULT_SSH = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15"]
IO_TIMEOUT = 60
# Sent last (step 2); the record goes in step 3.
LAST = (layout.MANIFEST_FILE, layout.SIGNATURE_FILE)
PENDING = "pending-removals.txt"  # files a push may have left on the mirror, until step 3
PUSHED = "pushed"  # this staging directory has been pushed once: its times match the mirror's

_COMMON = [
    "--recursive", "--times",
    # Nanosecond times: two exports of a page within one second keep the same
    # size now and then, and whole-second times would call the page unchanged.
    "--modify-window=-1",
    "--perms", "--chmod=D755,F644",  # readable by the mirror's web server, whatever the umask
    "-8",  # names as they are (UTF-8), not escaped, in what rsync reports
    f"--timeout={IO_TIMEOUT}",
    "--out-format=%i %n",
]
_SENT = re.compile(r"^[<>]f\S* (.+)$")
_DELETED = re.compile(r"^\*deleting +(.+)$")
_TO_CHECK = re.compile(r"to-chk=(\d+)/(\d+)")
# rsync's exit codes that mean the other side was never (or no longer) reachable.
_UNREACHABLE = {5: "the rsync daemon refused the connection", 10: "connection failed",
                12: "the connection closed (ssh could not connect or log in, or rsync is "
                    "missing there)",
                30: "timed out sending or receiving data", 35: "timed out connecting",
                255: "ssh failed"}


class Rsync(MirrorBackend):
    """`destination` is what rsync is given: HOST:PATH, rsync://HOST/MODULE/PATH,
    or a local path (rsync copies locally too: the tests use that)."""

    kind = "rsync"

    def __init__(self, target: str, destination: str, rsh: list[str] | None = None):
        super().__init__(target)
        self.destination = destination.rstrip("/") + "/"
        self.rsh = rsh  # None: no remote shell (a daemon or a local path)
        self.remote = rsh is not None or "::" in destination or destination.startswith(
            "rsync://")

    def push(self, home: Path, options: PushOptions,
             progress: Progress | None = None) -> PushReport:
        if shutil.which("rsync") is None:
            raise MirrorError("rsync is not installed: `make system-deps` (Debian: apt-get "
                              "install rsync); the mirror needs rsync too")
        staging = staging_dir(home, self.target)
        with _locked(staging, self.target):
            site = staging / "site"
            try:
                report = export(home, site, **options.export_arguments(),
                                progress=_phase(progress, "export"))
            except ExportError as exc:
                raise MirrorError(str(exc)) from exc
            with tempfile.TemporaryDirectory(prefix="push-", dir=staging) as scratch:
                ours = set(_read_records(site))
                earlier = self._mirror_record(Path(scratch)) | _pending(staging)
                # Until step 3 has run, the mirror may hold both editions' files.
                _write_lines(staging / PENDING, sorted(earlier | ours))
                sent = self._send(site, progress, compare=not (staging / PUSHED).exists())
                removed = self._remove(site, Path(scratch), sorted(earlier - ours))
            (staging / PENDING).unlink()
            (staging / PUSHED).touch()
        return PushReport(self.target, report, sent=sent, removed=removed)

    # --- the steps -------------------------------------------------------------------

    def _mirror_record(self, scratch: Path) -> set[str]:
        """The files an earlier push (or export) put on the mirror, by its own record."""
        local = scratch / layout.FILE_LIST
        local.parent.mkdir(parents=True)
        result = self._rsync(["--timeout", str(IO_TIMEOUT), self.destination + layout.FILE_LIST,
                              str(local)], check=False)
        if result.returncode == 23 and not local.exists():  # no record: a first push
            return set()
        self._check(result)
        return set(_read_records(scratch))

    def _send(self, site: Path, progress: Progress | None, *, compare: bool) -> list[str]:
        """Steps 1 and 2: everything but the manifest, then the manifest.

        `compare`: the staging files are new (a first push from here, to a mirror
        that may hold them already), so their times say nothing: compare contents
        once, and a file the mirror already has only gets its time set."""
        not_yet = [f"--exclude=/{name}" for name in (*LAST, layout.FILE_LIST)]
        compress = ["--compress"] if self.remote else []  # pages shrink 4x; .gz/.br do not
        checksum = ["--checksum"] if compare else []
        lines = self._run([*_COMMON, *compress, *checksum, "--delay-updates", "--no-inc-recursive",
                           "--info=progress2", *not_yet, f"{site}/", self.destination],
                          on_progress=_phase(progress, "upload"))
        only_last = ["--include=/.well-known/", f"--include=/{layout.WELL_KNOWN}/",
                     *(f"--include=/{name}" for name in LAST), "--exclude=*"]
        lines += self._run([*_COMMON, *checksum, "--delay-updates", *only_last, f"{site}/",
                            self.destination])
        return [m.group(1) for line in lines if (m := _SENT.match(line))]

    def _remove(self, site: Path, scratch: Path, stale: list[str]) -> list[str]:
        """Step 3: delete exactly `stale` on the mirror, then send the new record.

        rsync's --delete removes what the source lacks among the files the
        filter includes; excluding everything but `stale` keeps the rest safe.
        The source is a scratch tree holding only the record and the directories
        of the stale files (empty, so nothing else is sent)."""
        source = scratch / "tree"
        (source / layout.WELL_KNOWN).mkdir(parents=True)
        shutil.copy2(site / layout.FILE_LIST, source / layout.FILE_LIST)
        rules = ["+ /.well-known/", f"+ /{layout.WELL_KNOWN}/", f"+ /{layout.FILE_LIST}"]
        directories: set[str] = set()
        for relpath in stale:
            parts = relpath.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                directories.add("/".join(parts[:depth]))
        for directory in sorted(directories):
            (source / directory).mkdir(parents=True, exist_ok=True)
            rules.append(f"+ /{_pattern(directory)}/")
        rules += [f"+ /{_pattern(relpath)}" for relpath in stale] + ["- *"]
        filter_file = scratch / "filter"
        _write_lines(filter_file, rules)
        lines = self._run(["--recursive", "--times", "--omit-dir-times", "-8",
                           f"--timeout={IO_TIMEOUT}", "--out-format=%i %n", "--delete",
                           "--delete-before", f"--filter=merge {filter_file}", f"{source}/",
                           self.destination])
        return [m.group(1) for line in lines if (m := _DELETED.match(line))]

    # --- running rsync --------------------------------------------------------------------

    def command(self, arguments: list[str]) -> list[str]:
        rsh = ["--rsh", shlex.join(self.rsh)] if self.rsh is not None else []
        return ["rsync", *rsh, *arguments]

    def _rsync(self, arguments: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
        try:
            result = subprocess.run(self.command(arguments), capture_output=True, text=True,
                                    errors="replace", stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise MirrorError(f"cannot run rsync: {exc}") from exc
        if check:
            self._check(result)
        return result

    def _run(self, arguments: list[str],
             on_progress: Callable[[int, int | None], None] | None = None) -> list[str]:
        """Run rsync, following its progress lines; its item lines are returned."""
        lines: list[str] = []
        with tempfile.TemporaryFile() as errors:
            try:
                process = subprocess.Popen(self.command(arguments), stdout=subprocess.PIPE,
                                           stderr=errors, stdin=subprocess.DEVNULL)
            except OSError as exc:
                raise MirrorError(f"cannot run rsync: {exc}") from exc
            assert process.stdout is not None
            for line in _lines(process.stdout):
                found = _TO_CHECK.search(line)
                if found and on_progress:
                    total = int(found.group(2))
                    on_progress(total - int(found.group(1)), total)
                elif line and not found and not line.startswith(" "):
                    lines.append(line)
            process.wait()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
        self._check(subprocess.CompletedProcess(process.args, process.returncode, "", stderr))
        return lines

    def _check(self, result: subprocess.CompletedProcess) -> None:
        if result.returncode == 0:
            return
        said = " ".join(result.stderr.strip().splitlines()[-3:]) or "no message"
        why = _UNREACHABLE.get(result.returncode)
        if why:
            hint = (" Check that `ssh` to that host works without a password prompt (a key, "
                    "or --rsh \"ssh -i KEY\") and that rsync is installed there."
                    if self.rsh is not None else "")
            raise MirrorError(f"cannot reach {self.target}: {why}. rsync said: {said}.{hint}")
        raise MirrorError(f"rsync to {self.target} failed (exit {result.returncode}): {said}")


def staging_dir(home: Path, target: str) -> Path:
    """$ALTAVOZ_HOME/mirrors/<target, readable>-<hash>: one per target, kept between
    pushes so that the next export into it is incremental."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", target).strip("-.")[:60]
    digest = hashlib.sha256(target.encode()).hexdigest()[:10]
    path = home / "mirrors" / f"{readable}-{digest}"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _locked(staging: Path, target: str) -> Iterator[None]:
    with (staging / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise MirrorError(f"another push to {target} is running; try again when it "
                              "ends") from exc
        yield  # the kernel drops the lock when the file closes, or the process dies


def _phase(progress: Progress | None, phase: str) -> Callable[[int, int | None], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(phase, done, total)


def _pending(staging: Path) -> set[str]:
    try:
        text = (staging / PENDING).read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    return set(filter(None, text.splitlines()))


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def _pattern(name: str) -> str:
    """A file name as an rsync filter pattern matching only itself."""
    if any(c in name for c in "*?["):
        # A backslash escapes only in a pattern holding a wildcard, as this one does.
        return re.sub(r"([*?\[\\])", r"\\\1", name)
    return name


def _lines(stream) -> Iterator[str]:
    """rsync's output split on \\n and on the \\r its progress line is redrawn with."""
    pending = b""
    while chunk := stream.read1(65536):
        pending += chunk
        *complete, pending = re.split(rb"[\r\n]", pending)
        for line in complete:
            yield line.decode("utf-8", "replace")
    if pending:
        yield pending.decode("utf-8", "replace")


def default_rsh(explicit: str | None) -> list[str]:
    """--rsh, else $RSYNC_RSH (rsync's own variable), else ssh that never prompts."""
    chosen = explicit or os.environ.get("RSYNC_RSH", "").strip()
    try:
        return shlex.split(chosen) if chosen else list(DEFAULT_SSH)
    except ValueError as exc:
        raise MirrorError(f"--rsh {chosen!r} cannot be split into words: {exc}") from exc
