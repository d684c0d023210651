"""`altavoz mirror push|onion|log`, checked as an operator would: after a push the
mirror serves the edition (nginx) and `verify` passes; a second push rewrites
only what changed; files the host put there survive; failures say what to do.

The rsync backend runs for real: against a private sshd on loopback (openssh-
server is a system dependency, like nginx: missing, it fails rather than skips),
and with a local destination through the same code."""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from altavoz.cli import main
from altavoz.config import Listen
from altavoz.editions import layout
from altavoz.editions.mirror import onion_snippet
from altavoz.editions.mirrors import MirrorError, PushOptions, backend_for
from altavoz.editions.mirrors import log as push_log
from altavoz.editions.mirrors.local import LocalDirectory
from altavoz.editions.mirrors.rsync import DEFAULT_SSH, Rsync, staging_dir
from altavoz.editions.origin_links import ORIGIN_FILE
from altavoz.editions.verify import verify
from tests.editions.conftest import ORIGIN, Edition, free_port, inodes, wait_for_port
from tests.editions.test_nginx import crawl, nginx

CHANGED_PAGE = b"<!DOCTYPE html><html><body><p>otra p\xc3\xa1gina</p></body></html>"


def push(edition: Edition, target: str, *extra: str, capsys=None) -> tuple[int, str, str]:
    code = main(["mirror", "push", target, *extra])
    out, err = capsys.readouterr() if capsys else ("", "")
    return code, out, " ".join(err.split())


@pytest.fixture(autouse=True)
def _home(monkeypatch, edition: Edition):
    monkeypatch.setenv("ALTAVOZ_HOME", str(edition.home))
    monkeypatch.delenv("ALTAVOZ_ORIGIN_URL", raising=False)
    monkeypatch.delenv("RSYNC_RSH", raising=False)


def changed_files(before: dict[str, int], root: Path) -> set[str]:
    after = inodes(root)
    return {name for name in after if before.get(name) != after[name]}


def expected_change(edition: Edition) -> set[str]:
    """What a push of the edition with CHANGED_PAGE at /es/page/2/ must rewrite: the
    page, the variants it still has (brotli wins even on a tiny page), the manifest."""
    page = edition.manifest["paths"]["/es/page/2/"]
    variants = {f"es/page/2/index.html.{ext}" for name, ext in (("gzip", "gz"), ("br", "br"))
                if name in page}
    return {"es/page/2/index.html", *variants, layout.MANIFEST_FILE, layout.SIGNATURE_FILE,
            layout.FILE_LIST}


# --- a directory --------------------------------------------------------------------------


def test_push_to_a_directory_served_by_nginx(edition: Edition, tmp_path: Path, capsys):
    mirror = tmp_path / "www"
    code, out, _ = push(edition, str(mirror), capsys=capsys)
    assert code == 0
    assert f"edition {edition.id} to {mirror}" in out
    assert f"forms, search and origin-only pages (writing, log-in, comments) point to {ORIGIN}" \
        in out
    with nginx(mirror, tmp_path / "nginx") as server:
        pages = crawl(server, "/", [])
        assert {p: s for p, (s, _h, _b) in pages.items() if s != 200} == {}
        assert set(edition.manifest["paths"]) - set(pages) == {"/robots.txt"}
        # The search form posts to the origin, where search runs.
        front = pages["/es/"][2].decode()
        assert f'<form role="search" method="get" action="{ORIGIN}/es/search/">' in front
        report = verify(server + "/", edition.public_key)
        assert report.findings == [] and report.origin_url == ORIGIN

        (mirror / "CNAME").write_text("mirror.example\n")  # the host's own file
        before = inodes(mirror)
        edition.publish({"/es/page/2/": CHANGED_PAGE, "/en/": None})
        code, out, _ = push(edition, str(mirror), capsys=capsys)
        assert code == 0
        # Only the changed page (too small to have .gz/.br now) and the manifest.
        assert changed_files(before, mirror) == expected_change(edition)
        assert not (mirror / "en/index.html").exists()
        assert (mirror / "CNAME").read_text() == "mirror.example\n"
        assert fetch_body(server + "/es/page/2/") == CHANGED_PAGE
        assert verify(server + "/", edition.public_key).findings == []

    [first, second] = push_log.read(edition.home)
    assert second.edition == edition.id and first.edition != edition.id
    assert first.ok and second.ok and second.target == str(mirror)
    assert second.sent == len(expected_change(edition)) - 1  # the record is not counted
    assert second.removed > 0
    assert first.push != second.push and f"push {second.push}" in out


def fetch_body(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_a_directory_target_that_cannot_be_one_is_refused(edition: Edition, tmp_path: Path,
                                                          capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, _, err = push(edition, str(a_file), capsys=capsys)
    assert code == 2 and "is a file, not a directory" in err
    code, _, err = push(edition, str(edition.home / "editions" / "x"), capsys=capsys)
    assert code == 2 and "inside $ALTAVOZ_HOME" in err
    [entry, _] = push_log.read(edition.home)
    assert not entry.ok and "is a file" in entry.error


# --- rsync with a local destination: the whole backend, without a network -----------------


def rsync_push(edition: Edition, destination: Path, **options) -> object:
    backend = Rsync("test-mirror", str(destination))
    return backend.push(edition.home, PushOptions(**options))


def test_rsync_push_writes_the_mirror_and_then_only_what_changed(edition: Edition,
                                                                 tmp_path: Path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "CNAME").write_text("mirror.example\n")
    first = rsync_push(edition, mirror)
    assert layout.MANIFEST_FILE in first.sent and "es/index.html.br" in first.sent
    assert _only_cname(verify(str(mirror), edition.public_key))
    assert (mirror / ORIGIN_FILE).read_text() == ORIGIN + "\n"

    before = inodes(mirror)
    edition.publish({"/es/page/2/": CHANGED_PAGE, "/en/": None, "/en/feed/": None})
    second = rsync_push(edition, mirror)
    assert set(second.sent) == expected_change(edition) - {layout.FILE_LIST}
    gone = {name for name in before if name.startswith("en/")}
    assert set(second.removed) >= gone and gone
    assert changed_files(before, mirror) == expected_change(edition)
    assert not any(mirror.joinpath(name).exists() for name in gone)
    assert (mirror / "CNAME").read_text() == "mirror.example\n"
    assert _only_cname(verify(str(mirror), edition.public_key))

    # Nothing new: nothing sent, nothing removed.
    third = rsync_push(edition, mirror)
    assert third.sent == [] and third.removed == []


def _only_cname(report) -> bool:
    return [(f.kind, f.where) for f in report.findings] == [("extra", "CNAME")]


def test_the_manifest_arrives_after_the_pages(edition: Edition, tmp_path: Path, monkeypatch):
    """Between the steps the mirror still shows the old manifest, and every file it
    names is there (the new pages may already be in place: same as a local export)."""
    mirror = tmp_path / "mirror"
    rsync_push(edition, mirror)
    old_manifest = (mirror / layout.MANIFEST_FILE).read_bytes()
    edition.publish({"/es/nuevo/": CHANGED_PAGE, "/en/": None})
    seen: list[tuple[bytes, bool, bool]] = []
    original = Rsync._remove

    def watching(self, *args):
        seen.append(((mirror / layout.MANIFEST_FILE).read_bytes(),
                     (mirror / "es/nuevo/index.html").exists(),
                     (mirror / "en/index.html").exists()))
        return original(self, *args)

    sends: list[bytes] = []
    original_run = Rsync._run

    def run(self, arguments, on_progress=None):
        if "--delay-updates" in arguments and "--info=progress2" not in arguments:
            # Step 2 is about to run: step 1 put the new page, the manifest is old.
            sends.append((mirror / layout.MANIFEST_FILE).read_bytes())
            assert (mirror / "es/nuevo/index.html").exists()
        return original_run(self, arguments, on_progress)

    monkeypatch.setattr(Rsync, "_remove", watching)
    monkeypatch.setattr(Rsync, "_run", run)
    rsync_push(edition, mirror)
    assert sends == [old_manifest]
    # Step 3 runs with the new manifest in place, and the old files still there.
    assert seen == [(edition.manifest_bytes, True, True)]
    assert not (mirror / "en/index.html").exists()


def test_an_interrupted_push_is_tidied_by_the_next(edition: Edition, tmp_path: Path,
                                                   monkeypatch):
    mirror = tmp_path / "mirror"
    rsync_push(edition, mirror)
    edition.publish({"/es/nuevo/": CHANGED_PAGE})

    def cut(self, *args):
        raise MirrorError("connection lost")

    monkeypatch.setattr(Rsync, "_remove", cut)
    with pytest.raises(MirrorError):
        rsync_push(edition, mirror)
    monkeypatch.undo()
    assert (mirror / "es/nuevo/index.html").exists()
    # The mirror's record still lists the first edition; the staging directory
    # remembers what this push may have left there.
    edition.publish({"/es/nuevo/": None})
    report = rsync_push(edition, mirror)
    assert "es/nuevo/index.html" in report.removed
    assert verify(str(mirror), edition.public_key).findings == []


def test_a_second_push_to_the_same_target_waits_its_turn(edition: Edition, tmp_path: Path):
    import fcntl

    staging = staging_dir(edition.home, "test-mirror")
    with (staging / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(MirrorError, match="another push to test-mirror is running"):
            rsync_push(edition, tmp_path / "mirror")


def test_without_rsync_the_push_says_how_to_install_it(edition: Edition, tmp_path: Path,
                                                       monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    code, _, err = push(edition, "backup@mirror.example:/srv/altavoz", capsys=capsys)
    assert code == 2 and "rsync is not installed" in err and "make system-deps" in err


# --- rsync over ssh, for real ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> Iterator[dict]:
    """A private sshd on a loopback port, for this user, with a key made here."""
    binary = shutil.which("sshd") or shutil.which("sshd", path="/usr/sbin:/usr/local/sbin")
    if not binary:
        pytest.fail("sshd is not installed: run `make system-deps` (Debian: apt-get install "
                    "openssh-server). The rsync-over-ssh test needs a real ssh server.")
    tmp = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / name)],
                       check=True)
    shutil.copy(tmp / "client_key.pub", tmp / "authorized_keys")
    port = free_port()
    (tmp / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp}/host_key\n"
        f"AuthorizedKeysFile {tmp}/authorized_keys\nPidFile {tmp}/sshd.pid\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n")
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation
    process = subprocess.Popen([binary, "-D", "-e", "-f", str(tmp / "sshd_config")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(process, port, "sshd")
        rsh = (f"ssh -i {tmp}/client_key -o BatchMode=yes -o StrictHostKeyChecking=no "
               "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR")
        yield {"port": port, "user": getpass.getuser(), "rsh": rsh}
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_push_over_ssh(edition: Edition, tmp_path: Path, sshd: dict, capsys):
    mirror = tmp_path / "remote" / "www"
    mirror.parent.mkdir()
    target = f"ssh://{sshd['user']}@127.0.0.1:{sshd['port']}{mirror}"
    code, out, err = push(edition, target, "--rsh", sshd["rsh"], capsys=capsys)
    assert code == 0, err
    assert "verify them with: altavoz verify URL --key KEY" in out
    assert verify(str(mirror), edition.public_key).findings == []

    before = inodes(mirror)
    edition.publish({"/es/page/2/": CHANGED_PAGE})
    code, out, err = push(edition, target, "--rsh", sshd["rsh"], capsys=capsys)
    assert code == 0, err
    assert f"{len(expected_change(edition)) - 1} files sent" in out, out
    assert changed_files(before, mirror) == expected_change(edition)
    assert verify(str(mirror), edition.public_key).findings == []

    # scp-style target, with the key given the way rsync's users give it.
    os.environ["RSYNC_RSH"] = sshd["rsh"] + f" -p {sshd['port']}"
    try:
        code, out, err = push(edition, f"{sshd['user']}@127.0.0.1:{mirror}", capsys=capsys)
    finally:
        del os.environ["RSYNC_RSH"]
    assert code == 0, err
    assert "0 files sent, 0 removed" in out, out


def test_an_unreachable_host_is_a_clear_error_not_a_traceback(edition: Edition, tmp_path: Path,
                                                              sshd: dict, capsys):
    closed = free_port()
    code, _, err = push(edition, f"ssh://nobody@127.0.0.1:{closed}/srv/altavoz", "--rsh",
                        sshd["rsh"], capsys=capsys)
    assert code == 2
    assert "cannot reach ssh://nobody@127.0.0.1" in err and "Connection refused" in err
    assert "Traceback" not in err
    [entry] = push_log.read(edition.home)
    assert not entry.ok and "cannot reach" in entry.error

    # Reachable, but the directory's parent does not exist.
    code, _, err = push(edition, f"ssh://{sshd['user']}@127.0.0.1:{sshd['port']}"
                        f"{tmp_path}/no/such/dir", "--rsh", sshd["rsh"], capsys=capsys)
    assert code == 2 and "rsync to ssh://" in err and "failed (exit" in err


# --- targets, the log, the onion snippet -------------------------------------------------------


@pytest.mark.parametrize(("target", "destination", "rsh"), [
    ("backup@mirror.example:/srv/altavoz", "backup@mirror.example:/srv/altavoz/", DEFAULT_SSH),
    ("mirror.example:www", "mirror.example:www/", DEFAULT_SSH),
    ("ssh://backup@mirror.example:2222/srv/altavoz/", "backup@mirror.example:/srv/altavoz/",
     [*DEFAULT_SSH, "-p", "2222"]),
    ("ssh://[2001:db8::1]/srv/a%20b", "[2001:db8::1]:/srv/a b/", DEFAULT_SSH),
    ("rsync://mirror.example/altavoz/site", "rsync://mirror.example/altavoz/site/", None),
    ("mirror.example::altavoz/site", "mirror.example::altavoz/site/", None),
])
def test_remote_targets(target: str, destination: str, rsh: list[str] | None):
    backend = backend_for(target)
    assert isinstance(backend, Rsync)
    assert (backend.destination, backend.rsh) == (destination, rsh)
    assert backend.command(["x"]) == (["rsync", "--rsh", shlex.join(rsh), "x"] if rsh
                                      else ["rsync", "x"])


def test_the_ssh_command_can_be_chosen(monkeypatch):
    backend = backend_for("ssh://m.example:2200/srv", rsh="ssh -i '/keys/my key'")
    assert backend.rsh == ["ssh", "-i", "/keys/my key", "-p", "2200"]
    assert backend.command(["a"]) == ["rsync", "--rsh", "ssh -i '/keys/my key' -p 2200", "a"]
    monkeypatch.setenv("RSYNC_RSH", "ssh -F /etc/altavoz/ssh_config")
    assert backend_for("m.example:/srv").rsh == ["ssh", "-F", "/etc/altavoz/ssh_config"]


@pytest.mark.parametrize("target", ["/srv/mirror", "./a:b", "mirror", "file:///srv/mirror"])
def test_local_targets(target: str):
    backend = backend_for(target)
    assert isinstance(backend, LocalDirectory)
    assert backend.path == Path("/srv/mirror" if target.startswith("file:") else target)


@pytest.mark.parametrize(("target", "message"), [
    ("mirror.example:", "needs a directory after the colon"),
    ("-oProxyCommand=x:/srv", "is not a mirror target"),
    ("ssh://user:secret@mirror.example/srv", "passwords do not belong"),
    ("ssh://mirror.example/", "names no directory"),
    ("ssh://mirror.example:99999/srv", "is not a mirror target"),
    ("rsync://mirror.example/", "names no rsync module"),
    ("", "is not a mirror target"),
    ("/srv/a\nb", "is not a mirror target"),
])
def test_bad_targets_are_refused_with_the_forms_that_work(target: str, message: str):
    with pytest.raises(MirrorError, match=message):
        backend_for(target)


def test_bad_target_on_the_command_line(edition: Edition, capsys):
    code, _, err = push(edition, "ssh://mirror.example/", capsys=capsys)
    assert code == 2 and "names no directory" in err and "Traceback" not in err


def test_mirror_log_lists_the_pushes(edition: Edition, tmp_path: Path, capsys):
    assert main(["mirror", "log"]) == 0
    assert "No mirror push yet" in capsys.readouterr().err
    push(edition, str(tmp_path / "a.txt"), capsys=capsys)
    push(edition, str(tmp_path / "a"), capsys=capsys)
    (tmp_path / "b.txt").write_text("")
    push(edition, str(tmp_path / "b.txt"), capsys=capsys)
    assert main(["mirror", "log", "--last", "2"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "failed" in out and edition.id[:12] in out and str(tmp_path / "a") in out
    with (edition.home / push_log.LOG_FILE).open("a") as handle:
        handle.write("not json\n")
    assert len(push_log.read(edition.home, 10)) == 3


def test_log_lines_never_mix(edition: Edition):
    threads = [threading.Thread(target=lambda n=n: [push_log.append(
        edition.home, push_log.new_entry(f"target-{n}" * 200)) for _ in range(50)])
        for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(push_log.read(edition.home, 1000)) == 200


def test_onion_snippet(edition: Edition, capsys, monkeypatch):
    monkeypatch.setenv("ALTAVOZ_LISTEN", "0.0.0.0:8080")
    assert main(["mirror", "onion"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    assert lines == [f"HiddenServiceDir {edition.home}/onion/", "HiddenServicePort 80 "
                     "127.0.0.1:8080"]
    assert "ALTAVOZ_ONION_ADDRESS" in out and "reinicia tor" in out and "restart tor" in out
    snippet = onion_snippet(Path("/srv/av"), Listen("::", 80), "x.onion")
    assert "HiddenServicePort 80 [::1]:80" in snippet and "está definida: x.onion" in snippet


@pytest.mark.parametrize("action", ["push", "onion", "log"])
def test_help(action: str, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["mirror", action, "--help"])
    assert exit_.value.code == 0 and "usage: altavoz mirror" in capsys.readouterr().out
