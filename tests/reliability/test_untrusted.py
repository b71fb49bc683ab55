"""Untrusted index directories: kzsearch refuses a directory or file that group or others
can write, one owned by another (non-root) user, and a symlink inside, before anything
is unpickled; and what it unpickles admits only an index's own classes, so a poisoned
TOC runs no code even in a trusted directory (or one swapped in under a live Index).
kzsearch's own files never fail the check: they are created without group or other
write permission under any umask (002 included), mid-commit and after a killed writer."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import stat
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from kzsearch import Index, UntrustedIndexError
from kzsearch.index import META_FILE, IndexDamagedError, _write_meta

from ._support import add, make_articles

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


@pytest.fixture()
def index(tmp_path: Path) -> Index:
    index = Index.create(tmp_path / "index")
    index.add_many(make_articles(12))
    index.add_many(make_articles(12, start=12))
    return index


def refused(path: Path) -> None:
    with pytest.raises(UntrustedIndexError, match="unpickled"):
        Index.open(path)
    add("untrusted directories refused")


def targets(path: Path) -> dict[str, Path]:
    return {
        "directory": path,
        "toc": sorted(path.glob("_*.toc"))[-1],
        "segment": sorted(path.glob("*.seg"))[0],
        "meta": path / META_FILE,
    }


@pytest.mark.parametrize("target", ["directory", "toc", "segment", "meta"])
@pytest.mark.parametrize("bits", [stat.S_IWGRP, stat.S_IWOTH, stat.S_IWGRP | stat.S_IWOTH])
def test_writable_by_group_or_others_is_refused(index: Index, target: str, bits: int) -> None:
    entry = targets(index.path)[target]
    mode = stat.S_IMODE(entry.stat().st_mode)
    entry.chmod(mode | bits)
    refused(index.path)
    entry.chmod(mode)
    assert len(Index.open(index.path)) == 24  # trusted again once the bit is gone


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another user")
@pytest.mark.parametrize("target", ["directory", "toc", "segment", "meta"])
def test_owned_by_another_user_is_refused(index: Index, target: str) -> None:
    entry = targets(index.path)[target]
    os.chown(entry, NOBODY, NOBODY)
    refused(index.path)
    os.chown(entry, 0, 0)
    assert len(Index.open(index.path)) == 24


def test_a_symlink_inside_is_refused(index: Index, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.seg"
    outside.write_bytes(b"")
    (index.path / "MAIN_link.seg").symlink_to(outside)
    refused(index.path)


def test_our_own_index_is_trusted_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        index = Index.create(tmp_path / "index")
        index.add_many(make_articles(5))
        index.add_many(make_articles(5, start=5))
    finally:
        os.umask(old)
    for entry in [index.path, *index.path.iterdir()]:
        assert not entry.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH), entry
    assert len(Index.open(index.path)) == 10


class Payload:
    """Unpickling this calls ``open(marker, "w")``: code run by whoever reads the TOC."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (open, (str(self.marker), "w"))


def poisoned_index(path: Path, marker: Path, generation: int = 0) -> None:
    """A Whoosh index whose pickled schema runs code, with kzsearch's metadata beside it;
    its TOC has the given generation."""
    path.mkdir()
    schema = fields.Schema(id=fields.ID(stored=True))
    schema["id"].poison = Payload(marker)
    whoosh_index.TOC(schema, [], generation).write(FileStorage(str(path)), "MAIN")
    _write_meta(path)
    for entry in [path, *path.iterdir()]:
        entry.chmod(stat.S_IMODE(entry.stat().st_mode) & ~(stat.S_IWGRP | stat.S_IWOTH))


def test_a_poisoned_index_in_a_shared_directory_runs_no_code(tmp_path: Path) -> None:
    path, marker = tmp_path / "shared", tmp_path / "code-ran"
    poisoned_index(path, marker)
    path.chmod(0o777)  # anyone could have put the poison there
    refused(path)
    assert not marker.exists(), "the TOC was unpickled before the directory was checked"

    path.chmod(0o755)  # trusted now: the restricted unpickler still refuses the payload
    with pytest.raises(UntrustedIndexError, match="builtins.open|io.open"):
        Index.open(path)
    assert not marker.exists(), "the payload ran in a trusted directory"
    with contextlib.suppress(Exception):  # the control: Whoosh's own unpickling does run it
        pickle.loads(toc_schema(path))  # noqa: S301
    assert marker.exists(), "the payload never ran: this test could not catch a bypass"


def toc_schema(path: Path) -> bytes:
    """The pickled schema in the newest TOC of ``path``."""
    from whoosh.filedb.structfile import StructFile

    toc = max(path.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    stream = StructFile(io.BytesIO(toc.read_bytes()))
    for read in ("varint", "varint", "varint", "int", "int", "varint", "varint", "varint"):
        getattr(stream, f"read_{read}")()
    return stream.read_string()


def test_a_toc_swapped_under_a_live_index_runs_no_code(tmp_path: Path) -> None:
    """Issue 14, item 10: trust is checked at open, but a parent folder that others can
    write (no sticky bit) lets them rename the index away and put a poisoned one in its
    place under a long-lived Index. The next search must refuse it, not run it."""
    parent, marker = tmp_path / "shared-parent", tmp_path / "code-ran"
    parent.mkdir()
    live = Index.create(parent / "index")
    live.add_many(make_articles(12))
    assert live.search("бюджет").total
    parent.chmod(0o777)
    (parent / "index").rename(parent / "moved-away")
    poisoned_index(parent / "index", marker, generation=5)  # newer than the live one's
    try:
        live.search("бюджет")
        error: Exception | None = None
    except Exception as raised:  # noqa: BLE001 - checked below, after the marker
        error = raised
    assert not marker.exists(), "the swapped-in TOC ran its payload"
    assert isinstance(error, (UntrustedIndexError, IndexDamagedError)), repr(error)
    add("untrusted directories refused")
