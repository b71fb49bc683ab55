"""Untrusted index directories: kzsearch refuses a directory or file that group or others
can write, one owned by another (non-root) user, and a symlink inside, before anything
is unpickled; and what it unpickles admits only an index's own classes, so a poisoned
TOC runs no code even in a trusted directory (or one swapped in under a live Index).
kzsearch's own files never fail the check: they are created without group or other
write permission under any umask (002 included), mid-commit and after a killed writer."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from kzsearch import Index, UntrustedIndexError
from kzsearch.index import META_FILE, IndexDamagedError, _write_meta

from ._support import MODE, add, child_env, make_articles

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


# -- umask 002: no file is ever group-writable, readers never refused (issue 14, items 9, 15) --

WATCHED_WRITES = textwrap.dedent(
    """
    import json, os, stat, sys
    os.umask(0o002)  # Ubuntu's default: group-writable unless the code says otherwise
    root, log = sys.argv[1], os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    EVENTS = {"open", "os.mkdir", "os.chmod", "os.rename", "os.remove", "os.rmdir",
              "os.truncate", "shutil.rmtree", "os.link", "os.symlink"}
    WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT
    state = {"busy": False, "scans": 0}

    def scan(event):
        state["scans"] += 1
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                entry = os.path.join(folder, name)
                try:
                    mode = os.lstat(entry).st_mode
                except FileNotFoundError:
                    continue
                if mode & (stat.S_IWGRP | stat.S_IWOTH) and not stat.S_ISLNK(mode):
                    os.write(log, f"{oct(stat.S_IMODE(mode))} {entry} at {event}\\n".encode())

    def hook(event, args):
        if state["busy"] or event not in EVENTS:
            return
        if event == "open" and not (args[2] & WRITING):
            return  # reading: nothing is created
        state["busy"] = True
        try:
            scan(event)  # before the operation: whatever earlier ones made is checked
        finally:
            state["busy"] = False

    sys.addaudithook(hook)
    sys.path.insert(0, sys.argv[3])
    from _support import make_articles
    from kzsearch import Index
    path = os.path.join(root, "indexes", "news")
    index = Index.create(path)
    index.add_many(make_articles(20))
    index.add_many(make_articles(20, start=20))
    index.add_many(make_articles(400, start=40), procs=2)
    index.delete(["a1", "a2"])
    index.optimize()
    with Index.building(path, overwrite=True) as staged:
        staged.add_many(make_articles(30))
        staged.add_many(make_articles(300, start=30), procs=2)
    reopened = Index.open(path)
    scan("end")
    print(json.dumps({"scans": state["scans"], "documents": len(reopened),
                      "found": reopened.search("бюджет").total}))
    """
)


def run_child(script: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          env=child_env(), timeout=timeout)


def test_no_file_or_folder_is_ever_group_writable_under_umask_002(tmp_path: Path) -> None:
    """Every file and folder creation, rename and chmod of a build, commits with procs=1
    and 2, a delete, an optimize and a staged rebuild, all under umask 002, is preceded
    by a scan of the whole tree (an audit hook, in the writer and its sub-writers): no
    entry ever had a group or other write bit (kzsearch used to chmod them afterwards)."""
    root, log = tmp_path / "root", tmp_path / "violations.log"
    root.mkdir()
    done = run_child(WATCHED_WRITES, str(root), str(log), str(Path(__file__).parent))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    violations = log.read_text().splitlines() if log.exists() else []
    assert not violations, f"{len(violations)} group-writable sightings, e.g. {violations[:5]}"
    assert result["documents"] == 330 and result["found"] > 0
    assert result["scans"] > 100, result  # the hook saw the writes (sub-writers not counted)
    add("umask 002: tree scans before file operations, no group-writable entry",
        result["scans"])


UMASK_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    os.umask(0o002)
    sys.path.insert(0, sys.argv[2])
    from _support import make_articles
    from kzsearch import Index
    index, how = Index.open(sys.argv[1]), sys.argv[3]
    if how == "commits":
        for batch in range(int(sys.argv[4])):
            index.add_many(make_articles(10, start=100 + batch * 10))
    else:  # killed by its own progress callback, in the middle of a commit
        def die(done):
            if done >= 200:
                os.kill(os.getpid(), signal.SIGKILL)
        procs = 2 if how == "kill procs=2" else 1
        index.add_many(make_articles(600, start=100), procs=procs, progress=die)
    """
)
COMMITS_UNDER_READERS = 60 if MODE == "long" else 12


def test_readers_are_never_refused_while_a_umask_002_writer_commits(tmp_path: Path) -> None:
    """Issue 14, item 15: readers opening the index during commits were refused (the new
    files were 0664 until kzsearch tightened them after the commit)."""
    index = Index.create(tmp_path / "index")
    index.add_many(make_articles(20))
    writer = subprocess.Popen([sys.executable, "-c", UMASK_WRITER, str(index.path),
                               str(Path(__file__).parent), "commits",
                               str(COMMITS_UNDER_READERS)],
                              env=child_env(), stderr=subprocess.PIPE, text=True)
    outcomes: Counter[str] = Counter()

    def read() -> None:
        while writer.poll() is None:
            try:
                len(Index.open(index.path))
                outcomes["opened"] += 1
            except Exception as error:  # noqa: BLE001 - counted and reported
                outcomes[type(error).__name__] += 1

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(timeout=300)
    assert writer.wait(timeout=300) == 0, writer.stderr.read() if writer.stderr else ""
    assert outcomes["opened"] > 0
    assert outcomes["UntrustedIndexError"] == 0, outcomes
    assert set(outcomes) == {"opened"}, outcomes
    assert len(Index.open(index.path)) == 20 + 10 * COMMITS_UNDER_READERS
    add("umask 002: opens during commits, none refused", outcomes["opened"])


@pytest.mark.parametrize("how", ["kill procs=1", "kill procs=2"])
def test_a_writer_killed_mid_commit_under_umask_002_leaves_a_trusted_index(
        tmp_path: Path, how: str) -> None:
    """Issue 14, item 15: a writer killed mid-commit left 0664 files behind, and every
    reader refused the index until `chmod -R go-w`."""
    index = Index.create(tmp_path / "index")
    index.add_many(make_articles(20))
    writer = subprocess.Popen([sys.executable, "-c", UMASK_WRITER, str(index.path),
                               str(Path(__file__).parent), how], env=child_env(),
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert writer.wait(timeout=300) == -signal.SIGKILL
    finally:  # its procs=2 sub-writers die with it, as with a machine that lost power
        with contextlib.suppress(ProcessLookupError):
            os.killpg(writer.pid, signal.SIGKILL)
            for _ in range(500):  # until the group is gone
                os.killpg(writer.pid, 0)
                time.sleep(0.01)
    left = [p for p in index.path.rglob("*") if p.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH)]
    assert not left, left
    reopened = Index.open(index.path)
    assert len(reopened) == 20
    assert reopened.search("бюджет").total > 0
    reopened.add_many(make_articles(5, start=900))  # and it can be written again
    assert len(Index.open(index.path)) == 25
    add("umask 002: writers killed mid-commit, index still trusted")
