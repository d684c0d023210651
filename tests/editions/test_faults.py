"""What a reader must never see: a partial edition. A build killed with
SIGKILL half-way, or stopped by a full disk, leaves the previous edition live,
whole and verifiable, and the next build cleans up after it."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from altavoz.cli import main
from altavoz.editions import signing, store
from altavoz.editions.build import DISK_FULL
from altavoz.editions.manifest import referenced_blobs
from altavoz.home import initialise
from tests.editions.site import (
    ALTAVOZ,
    blobs_on_disk,
    command_env,
    make_small_site,
    run,
    seeded_home,
    sha256,
    temporary_files,
)


def _assert_live_and_whole(home: Path, edition: str) -> None:
    """`current` names `edition`, its signature verifies with keys/signing.pub,
    and every blob it names is on disk with the right hash."""
    assert store.current_id(home) == edition
    data, manifest = store.read_manifest(home, edition)
    public = (home / "keys" / "signing.pub").read_text().strip()
    assert signing.verify(data, store.read_signature(home, edition), public)
    for sha in referenced_blobs(manifest):
        assert sha256(store.blob_path(home, sha).read_bytes()) == sha


def _kill_when_blobs_appear(home: Path, env: dict[str, str], more_than: int) -> int:
    """Start `altavoz build`; SIGKILL it once it has written `more_than` new blobs."""
    before = len(blobs_on_disk(home))
    process = subprocess.Popen([*ALTAVOZ, "build"], env=command_env(home, env),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if len(blobs_on_disk(home)) - before > more_than:
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        if process.poll() is None and time.monotonic() >= deadline:
            process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the build ended before it could be killed"
    return len(blobs_on_disk(home)) - before


def test_kill_9_mid_build_leaves_the_previous_edition_live(tmp_path: Path):
    home = seeded_home(tmp_path)
    previous = store.current_id(home)
    assert previous is not None

    # A new site name changes every page, so the build writes new blobs from the start.
    written = _kill_when_blobs_appear(home, {"ALTAVOZ_SITE_NAME": "Otro nombre"}, 60)
    assert written > 60  # killed in the middle, with its blobs on disk
    _assert_live_and_whole(home, previous)
    assert len(list((store.root(home) / "manifests").glob("*.json"))) == 1

    # The next build goes live, and sweeps what the killed one left.
    result = run(home, "build")
    assert result.returncode == 0, result.stderr[-3000:]
    edition = store.current_id(home)
    assert edition != previous
    _assert_live_and_whole(home, edition)
    needed: set[str] = set()
    for kept in store.kept_editions(home, 5):
        needed |= referenced_blobs(store.read_manifest(home, kept)[1])
    assert blobs_on_disk(home) == needed
    assert temporary_files(home) == []


def test_disk_full_keeps_the_previous_edition(db, tmp_path: Path, monkeypatch, capsys,
                                              settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    home = tmp_path / "home"
    initialise(home)
    monkeypatch.setenv("ALTAVOZ_HOME", str(home))
    make_small_site()
    assert main(["build"]) == 0
    previous = store.current_id(home)
    blobs_before = blobs_on_disk(home)
    capsys.readouterr()

    real_write = store._write_all
    calls = {"n": 0}

    def fill_up(fd: int, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > 20:  # some blobs get written, then the disk is full
            os.write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(fd, data)

    monkeypatch.setattr(store, "_write_all", fill_up)
    settings.ALTAVOZ_SITE_NAME = "Otro nombre"  # every page is new content
    assert main(["build"]) == 1
    err = " ".join(capsys.readouterr().err.split())  # rich wraps at the terminal's width
    assert "disk full while writing the edition; the previous edition stays live" in err
    assert DISK_FULL in err

    assert calls["n"] > 20
    _assert_live_and_whole(home, previous)
    assert temporary_files(home) == []
    assert blobs_on_disk(home) == blobs_before  # its blobs were taken back
    assert [p.stem for p in (store.root(home) / "manifests").glob("*.json")] == [previous]


def test_two_builds_at_once_the_second_waits_its_turn(db, tmp_path: Path, settings):
    from altavoz.editions.build import build

    settings.MEDIA_ROOT = tmp_path / "media"
    home = tmp_path / "home"
    initialise(home)
    with store.locked(home), pytest.raises(store.StoreBusy, match="another build"):
        build(home, collect_static=False)
    assert store.current_id(home) is None
