"""Untrusted index directories: Whoosh unpickles its files, so kzsearch refuses a directory
or file that group or others can write, one owned by another (non-root) user, and a
symlink inside, before anything is unpickled. The proof that the guard is what protects:
a poisoned TOC that runs code when unpickled does run it once the directory is trusted."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index

from kzsearch import Index, UntrustedIndexError
from kzsearch.index import META_FILE, _write_meta

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


def poisoned_index(path: Path, marker: Path) -> None:
    """A Whoosh index whose pickled schema runs code, with kzsearch's metadata beside it."""
    path.mkdir()
    schema = fields.Schema(id=fields.ID(stored=True))
    schema["id"].poison = Payload(marker)
    whoosh_index.create_in(str(path), schema)
    _write_meta(path)
    for entry in [path, *path.iterdir()]:
        entry.chmod(stat.S_IMODE(entry.stat().st_mode) & ~(stat.S_IWGRP | stat.S_IWOTH))


def test_a_poisoned_index_in_a_shared_directory_runs_no_code(tmp_path: Path) -> None:
    path, marker = tmp_path / "shared", tmp_path / "code-ran"
    poisoned_index(path, marker)
    path.chmod(0o777)  # anyone could have put the poison there
    refused(path)
    assert not marker.exists(), "the TOC was unpickled before the directory was checked"

    path.chmod(0o755)  # the control: trusted, the same files do run the code
    with contextlib.suppress(Exception):  # whatever follows, the payload has run or not
        Index.open(path)
    assert marker.exists(), "the payload never ran: this test could not catch a bypass"
