"""The store on disk: blobs written once and atomically, the `current` pointer,
the writer's lock, and garbage collection."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from altavoz.editions import store
from altavoz.editions.manifest import canonical
from tests.editions.site import blobs_on_disk, sha256, temporary_files


def test_a_blob_is_named_by_its_hash_and_written_once(tmp_path: Path):
    blobs = store.BlobStore(tmp_path)
    sha = blobs.put(b"hola")
    assert sha == sha256(b"hola")
    path = store.blob_path(tmp_path, sha)
    assert path == tmp_path / "editions" / "blobs" / sha[:2] / sha
    assert path.read_bytes() == b"hola"
    inode = path.stat().st_ino

    assert blobs.put(b"hola") == sha
    assert path.stat().st_ino == inode  # not rewritten
    assert blobs.created == {sha} and blobs.reused == 1
    assert temporary_files(tmp_path) == []


def test_a_blob_cut_short_is_written_again(tmp_path: Path):
    blobs = store.BlobStore(tmp_path)
    sha = blobs.put(b"contenido completo")
    store.blob_path(tmp_path, sha).write_bytes(b"")  # as after a power loss
    assert blobs.put(b"contenido completo") == sha
    assert store.blob_path(tmp_path, sha).read_bytes() == b"contenido completo"


def _edition(home: Path, blobs: list[bytes], previous: str | None, *, live: bool = True) -> str:
    writer = store.BlobStore(home)
    paths = {}
    for n, data in enumerate(blobs):
        sha = writer.put(data)
        paths[f"/p{n}/"] = {"blob": sha, "size": len(data), "type": "text/plain",
                            "cache": "", "etag": "", "lang": None, "headers": {}}
    index = writer.put(b"index")
    data = canonical({"format": 1, "previous": previous, "paths": paths,
                      "search_index": {"blob": index, "size": 5}})
    edition = store.write_edition(home, data, "00")
    if live:
        store.set_current(home, edition)
    return edition


def test_current_and_manifests_read_back(tmp_path: Path):
    assert store.current_id(tmp_path) is None
    first = _edition(tmp_path, [b"uno"], None)
    assert store.current_id(tmp_path) == first
    data, parsed = store.read_manifest(tmp_path, first)
    assert sha256(data) == first and parsed["previous"] is None
    assert store.read_signature(tmp_path, first) == "00"


def test_a_manifest_whose_hash_differs_is_refused(tmp_path: Path):
    first = _edition(tmp_path, [b"uno"], None)
    path = store.manifest_path(tmp_path, first)
    path.write_bytes(path.read_bytes().replace(b"\"format\":1", b"\"format\":2"))
    with pytest.raises(store.StoreError, match="damaged"):
        store.read_manifest(tmp_path, first)


def test_current_cannot_name_an_incomplete_edition(tmp_path: Path):
    with pytest.raises(store.StoreError, match="not complete"):
        store.set_current(tmp_path, "f" * 64)
    assert store.current_id(tmp_path) is None


def test_one_writer_at_a_time(tmp_path: Path):
    with (store.locked(tmp_path), pytest.raises(store.StoreBusy, match="another build"),
          store.locked(tmp_path)):
        pass
    with store.locked(tmp_path):  # released
        pass


def test_gc_keeps_the_last_editions_of_the_chain_and_their_blobs(tmp_path: Path):
    shared = b"hoja de estilo"
    ids: list[str] = []
    for n in range(4):
        ids.append(_edition(tmp_path, [shared, f"portada {n}".encode()], ids[-1] if ids else None))
    orphan = _edition(tmp_path, [b"de una compilacion interrumpida"], ids[-1], live=False)
    os.utime(store.manifest_path(tmp_path, orphan), (1, 1))  # the oldest by time
    stray = store.BlobStore(tmp_path).put(b"sin manifiesto")
    leftover = store.root(tmp_path) / "blobs" / "ab" / f"{store.TEMP_PREFIX}1-x"
    leftover.parent.mkdir(exist_ok=True)
    leftover.write_bytes(b"half")

    report = store.gc(tmp_path, keep=2)

    assert report.kept == [ids[3], ids[2]]
    assert report.editions_removed == 3
    assert sorted(p.stem for p in (store.root(tmp_path) / "manifests").glob("*.json")) == sorted(
        ids[2:])
    needed = set()
    for edition in ids[2:]:
        for entry in store.read_manifest(tmp_path, edition)[1]["paths"].values():
            needed.add(entry["blob"])
        needed.add(store.read_manifest(tmp_path, edition)[1]["search_index"]["blob"])
    assert blobs_on_disk(tmp_path) == needed  # every kept blob, nothing else
    assert sha256(shared) in needed and stray not in needed
    assert not leftover.exists()
    assert store.current_id(tmp_path) == ids[3]


def test_gc_tops_up_a_short_chain_with_the_newest_manifests(tmp_path: Path):
    first = _edition(tmp_path, [b"uno"], None)
    second = _edition(tmp_path, [b"dos"], "e" * 64)  # its previous is gone
    report = store.gc(tmp_path, keep=2)
    assert report.kept == [second, first]
    assert json.loads(store.read_manifest(tmp_path, first)[0])["paths"]
