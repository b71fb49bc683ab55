"""Faults under the index: a full disk, a read-only folder, missing or damaged files.

The promise: a clear error (an ``OSError`` naming the errno and file, or a kzsearch error
that says what to do), and the index as it was before the failed operation stays intact
and searchable. Each test here once failed on a real bug (see the commit that fixed it).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.filedb import filestore

from kzsearch import Article, Index, IndexNotFoundError
from kzsearch.cli import main
from kzsearch.index import IndexDamagedError, IndexStoreError

from ._support import add, child_env, make_articles, record, stored_ids

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture()
def index(tmp_path: Path) -> Index:
    index = Index.create(tmp_path / "index")
    for start in range(0, 60, 20):
        index.add_many(make_articles(20, start=start))
    return index


def assert_intact(path: Path, ids: set[str]) -> None:
    """The index at ``path`` opens, holds exactly ``ids`` and answers a search."""
    reopened = Index.open(path)
    assert stored_ids(reopened) == ids
    assert len(reopened) == len(ids)
    assert reopened.search("бюджет", per_page=100).total == sum(
        1 for i in ids if int(i[1:]) % 6 == 0)


# -- disk full, simulated inside this process ------------------------------------------------


@contextmanager
def disk_full_after(budget: int) -> Iterator[None]:
    """Every file Whoosh creates shares ``budget`` bytes; the write that passes it fails
    with ENOSPC, as on a full disk."""
    left = [budget]
    original = filestore.FileStorage.create_file

    class Limited:
        def __init__(self, file, name: str) -> None:  # noqa: ANN001
            self._file, self._name = file, name

        def write(self, data: bytes) -> int:
            left[0] -= len(data)
            if left[0] < 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._name)
            return self._file.write(data)

        def __getattr__(self, name: str):  # noqa: ANN204
            return getattr(self._file, name)

    def create_file(self, name, *args, **kwargs):  # noqa: ANN001, ANN202
        structfile = original(self, name, *args, **kwargs)
        structfile.file = Limited(structfile.file, self._fpath(name))
        return structfile

    filestore.FileStorage.create_file = create_file
    try:
        yield
    finally:
        filestore.FileStorage.create_file = original


BUDGETS = [0, 300, 2_000, 8_000, 20_000, 40_000, 80_000, 10**9]


@pytest.mark.parametrize("budget", BUDGETS)
def test_disk_full_mid_commit_keeps_the_previous_index(index: Index, budget: int) -> None:
    before = stored_ids(index)
    new = make_articles(40, start=40, tag="жаңа")  # 20 updates, 20 new
    with disk_full_after(budget):
        try:
            index.add_many(new)
            failed = None
        except OSError as error:
            failed = error
    if failed is None:  # enough room: the commit is whole
        assert_intact(index.path, before | {a.id for a in new})
        return
    add("disk-full failures survived")
    assert failed.errno == errno.ENOSPC
    assert "No space left" in str(failed)
    assert_intact(index.path, before)


def test_after_a_disk_full_failure_the_index_can_be_written_again(index: Index) -> None:
    with disk_full_after(0), pytest.raises(OSError):
        index.add_many(make_articles(40, start=40, tag="жаңа"))
    Index.open(index.path).add_many(make_articles(5, start=100))  # room again


def test_a_failed_commit_leaves_no_partial_files(index: Index) -> None:
    files_before = {p.name for p in index.path.iterdir()}
    with disk_full_after(2_000), pytest.raises(OSError):
        index.add_many(make_articles(40, start=40, tag="жаңа"))
    left = {p.name for p in index.path.iterdir()} - files_before
    assert not left, f"left behind: {sorted(left)}"


# -- a real full disk and a real read-only folder (mount namespaces, as root) -----------------

PRIVATE_MOUNT = shutil.which("unshare") if IS_ROOT else None


def in_private_mount(setup: str, script: str, folder: Path, *args: str) -> list[dict]:
    """Run ``script`` in a child Python inside a private mount namespace after ``setup``
    (shell, with ``$1`` the folder); the mounts vanish with it. Returns its JSON lines."""
    shell = f'set -e; {setup}; shift; exec "$@"'
    command = [PRIVATE_MOUNT, "--mount", "--propagation", "private", "sh", "-c", shell, "sh",
               str(folder), sys.executable, "-c", script, str(folder), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(), timeout=300)
    if done.returncode != 0 and "mount" in done.stderr and "permission" in done.stderr.lower():
        pytest.skip(f"mounts not permitted here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


FILL_DISK = textwrap.dedent(
    """
    import datetime as dt, errno, json, sys, random, subprocess
    from pathlib import Path
    from kzsearch import Article, Index
    folder = Path(sys.argv[1]); path = folder / "index"
    index = Index.create(path)
    index.add_many([Article(id=f"a{n}", title=f"Мемлекеттік бюджет {n}",
                            body="Үкімет бюджетті мақұлдады.", rubric="Экономика",
                            published=dt.date(2024, 1, 2)) for n in range(30)])
    rng = random.Random(7)
    words = "мемлекет бюджет мектеп бала көл қар футбол жеңіс сауда жол".split()
    def big(n):
        body = " ".join(rng.choice(words) + str(rng.randrange(10**6)) for _ in range(6000))
        return Article(id=f"b{n}", title=f"Үлкен мақала {n}", body=body, rubric="Қоғам",
                       published=dt.date(2024, 1, 3))
    ballast = folder / "ballast"
    ballast.write_bytes(b"x" * 400_000)  # removed after the failure: room again
    result = {"before": len(index)}
    try:
        for round in range(200):
            index.add_many([big(round * 10 + k) for k in range(10)])
        result["error"] = None
    except OSError as error:
        result.update(error=str(error), errno=error.errno, rounds=round)
    try:
        result["committed"] = len(Index.open(path))
        result["found"] = Index.open(path).search("бюджет", per_page=5).total
    except Exception as error:
        result["reopen_error"] = repr(error)
    try:  # a staged rebuild on the full disk must fail without touching the index
        with Index.building(path, overwrite=True) as new:
            new.add_many([big(n) for n in range(10_000, 10_400)])
        result["rebuild_error"] = None
    except OSError as error:
        result["rebuild_error"] = str(error)
    ballast.unlink()
    try:
        index.add_many([Article(id="after", title="Бос орын", body="Орын босады.",
                                rubric="Қоғам", published=dt.date(2024, 1, 4))])
        result["after_freeing"] = "written"
    except Exception as error:
        result["after_freeing"] = repr(error)[:200]
    print(json.dumps(result), flush=True)
    check = "from kzsearch import Index; import json, sys;" \\
        "i = Index.open(sys.argv[1]); print(json.dumps([len(i), i.search('бюджет').total]))"
    out = subprocess.run([sys.executable, "-c", check, str(path)], capture_output=True,
                         text=True)
    print(json.dumps({"other_process": out.stdout.strip(), "stderr": out.stderr[-300:]}))
    """
)


@pytest.mark.skipif(not PRIVATE_MOUNT, reason="needs root and unshare for a private tmpfs")
def test_a_real_full_disk_keeps_the_previous_index(tmp_path: Path) -> None:
    folder = tmp_path / "small-disk"
    folder.mkdir()
    result, other = in_private_mount('mount -t tmpfs -o size=3m tmpfs "$1"', FILL_DISK, folder)
    assert result["error"] is not None, "3 MB never filled up: the test proves nothing"
    assert result["errno"] == errno.ENOSPC, result
    assert "reopen_error" not in result, result
    assert result["committed"] >= result["before"]
    assert result["committed"] % 10 == result["before"] % 10  # whole batches only
    assert result["found"] == 30
    assert result["rebuild_error"] and "No space left" in result["rebuild_error"]
    assert other["other_process"], other["stderr"]
    assert json.loads(other["other_process"])[1] == 30, other
    add("disk-full failures survived", 2)
    record("real full disk: writing after space was freed", result["after_freeing"])


READ_ONLY = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from kzsearch import Article, Index
    path = Path(sys.argv[1]) / "index"
    index = Index.open(path)
    result = {"count": len(index), "found": index.search("бюджет", per_page=100).total}
    new = [Article(id="z1", title="Жаңа мақала", body="Жаңа мәтін бюджет туралы.")]
    actions = {"add_many": lambda: index.add_many(new), "delete": lambda: index.delete(["a0"]),
               "optimize": index.optimize,
               "rebuild": lambda: Index.building(path, overwrite=True).__enter__()}
    for name, action in actions.items():
        try:
            action()
            result[name] = None
        except OSError as error:
            result[name] = [error.errno, str(error)]
        except Exception as error:
            result[name] = ["other", repr(error)]
    again = Index.open(path)
    result["after"] = [len(again), again.search("бюджет", per_page=100).total]
    print(json.dumps(result))
    """
)


def test_a_read_only_folder_is_searchable_and_refuses_writes_clearly(index: Index) -> None:
    before = len(index)
    found = index.search("бюджет", per_page=100).total
    folder = index.path.parent
    if PRIVATE_MOUNT:
        (result,) = in_private_mount('mount --bind "$1" "$1"; mount -o remount,ro,bind "$1"',
                                     READ_ONLY, folder)
        codes = {errno.EROFS}
    elif IS_ROOT:
        pytest.skip("root ignores permission bits and unshare is missing: no read-only folder")
    else:
        os.chmod(index.path, 0o555)
        os.chmod(folder, 0o555)
        try:
            done = subprocess.run([sys.executable, "-c", READ_ONLY, str(folder)],
                                  capture_output=True, text=True, env=child_env(), timeout=300)
        finally:
            os.chmod(folder, 0o755)
            os.chmod(index.path, 0o755)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.splitlines()[-1])
        codes = {errno.EACCES, errno.EPERM}
    assert (result["count"], result["found"]) == (before, found)
    for action in ("add_many", "delete", "optimize", "rebuild"):
        assert result[action] is not None, f"{action} wrote into a read-only folder"
        code, message = result[action]
        assert code in codes, f"{action}: {message}"
        assert str(folder) in message or "kzsearch.json" in message, message
    assert result["after"] == [before, found]
    assert_intact(index.path, stored_ids(index))
    add("read-only refusals checked", 4)


# -- missing and damaged files ---------------------------------------------------------------


def damage(path: Path, what: str) -> None:
    segments = sorted(path.glob("*.seg"))
    tocs = sorted(path.glob("_*.toc"))
    if what == "no kzsearch.json":
        (path / "kzsearch.json").unlink()
    elif what == "no toc":
        for toc in tocs:
            toc.unlink()
    elif what == "no folder":
        shutil.rmtree(path)
    elif what == "no segment":
        segments[0].unlink()
    elif what == "no segments":
        for segment in segments:
            segment.unlink()
    elif what == "empty toc":
        tocs[-1].write_bytes(b"")
    elif what == "truncated toc":
        tocs[-1].write_bytes(tocs[-1].read_bytes()[:40])
    elif what == "truncated segment":
        segments[0].write_bytes(segments[0].read_bytes()[:30])


def open_and_search(path: Path) -> None:
    index = Index.open(path)
    len(index)
    index.search("бюджет")
    index.add_many(make_articles(1, start=500))


@pytest.mark.parametrize("what", ["no kzsearch.json", "no toc", "no folder"])
def test_a_missing_index_says_how_to_build_one(index: Index, what: str) -> None:
    damage(index.path, what)
    with pytest.raises(IndexNotFoundError, match="kzsearch index build"):
        open_and_search(index.path)


def test_a_missing_segment_file_is_named(index: Index) -> None:
    damage(index.path, "no segment")
    with pytest.raises((IndexStoreError, OSError)) as raised:
        open_and_search(index.path)
    assert ".seg" in str(raised.value) or "rebuild" in str(raised.value).lower()


@pytest.mark.parametrize("what", ["empty toc", "truncated toc", "truncated segment"])
def test_a_damaged_file_gives_a_clear_error(index: Index, what: str) -> None:
    damage(index.path, what)
    with pytest.raises((IndexStoreError, OSError)):
        open_and_search(index.path)


# -- search over articles with and without optional fields -----------------------------------


def plain(doc_id: str, **fields: object) -> Article:
    return Article(id=doc_id, title="Мемлекеттік бюджет", body="Үкімет бюджетті мақұлдады.",
                   **fields)


COLUMN_CASES = {
    "rubric, then none": [[plain("a", rubric="Спорт")], [plain("b")]],
    "rubric removed by an update": [[plain("a", rubric="Спорт")], [plain("a")]],
    "date, then none (one commit)": [[plain("a", published=dt.date(2020, 1, 1)), plain("b")]],
    "none, then a date": [[plain("a")], [plain("b", published=dt.date(2020, 1, 1))]],
}


@pytest.mark.parametrize("batches", COLUMN_CASES.values(), ids=COLUMN_CASES.keys())
def test_articles_without_rubric_or_date_keep_search_working(tmp_path: Path,
                                                            batches: list) -> None:
    index = Index.create(tmp_path / "index")
    for batch in batches:
        index.add_many(batch)
    expected = {a.id for batch in batches for a in batch}
    assert {hit.id for hit in index.search("бюджет").hits} == expected
    index.stats()
    index.search("бюджет", sort="date")


def test_articles_with_every_optional_field_search_fine(tmp_path: Path) -> None:
    """The control for the bug above: the same batches with all fields present work."""
    index = Index.create(tmp_path / "index")
    index.add_many([plain("a", rubric="Спорт", published=dt.date(2020, 1, 1))])
    index.add_many([plain("b", rubric="Қоғам", published=dt.date(2021, 1, 1))])
    assert {hit.id for hit in index.search("бюджет").hits} == {"a", "b"}


def test_commit_after_random_seed(index: Index) -> None:
    random.seed(2024)
    index.add_many(make_articles(5, start=200))
    random.seed(2024)
    index.add_many(make_articles(5, start=300))
    assert len(index) == 70


# -- a TOC of the wrong generation, an empty TOC: IndexDamagedError, not a bare error ---------


def toc_of_wrong_generation(path: Path) -> None:
    """The newest TOC renamed one generation up: its contents name the old generation."""
    toc = max(path.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    generation = int(toc.stem.rsplit("_", 1)[1])
    toc.rename(path / f"_MAIN_{generation + 1}.toc")


def empty_first_toc(path: Path) -> None:
    """``_MAIN_1.toc``, the only TOC of an index with one commit, emptied."""
    for toc in path.glob("_MAIN_*.toc"):
        toc.unlink()
    (path / "_MAIN_1.toc").write_bytes(b"")


TOC_DAMAGE = {"a TOC of another generation than its name": toc_of_wrong_generation,
              "an empty _MAIN_1.toc": empty_first_toc}
ENTRY_POINTS = {
    "open": lambda path, live: Index.open(path),
    "search": lambda path, live: live.search("бюджет"),
    "phrase search": lambda path, live: live.search('"жылдық бюджеті"'),
    "stats": lambda path, live: live.stats(),
    "len": lambda path, live: len(live),
}


@pytest.mark.parametrize("damage_toc", TOC_DAMAGE.values(), ids=TOC_DAMAGE.keys())
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_damaged_toc_raises_index_damaged_error(tmp_path: Path, damage_toc, entry: str  # noqa: ANN001
                                                  ) -> None:
    live = Index.create(tmp_path / "index")
    live.add_many(make_articles(12))
    damage_toc(live.path)
    with pytest.raises(IndexDamagedError, match="rebuild it with `kzsearch index build"):
        ENTRY_POINTS[entry](live.path, live)
    add("damaged TOCs refused clearly")


@pytest.mark.parametrize("damage_toc", TOC_DAMAGE.values(), ids=TOC_DAMAGE.keys())
@pytest.mark.parametrize("command", [["stats"], ["search", "бюджет"]])
def test_the_cli_names_a_damaged_toc(tmp_path: Path, damage_toc, command: list[str]  # noqa: ANN001
                                     ) -> None:
    index = Index.create(tmp_path / "index")
    index.add_many(make_articles(12))
    damage_toc(index.path)
    result = CliRunner().invoke(main, [command[0], "--index", str(index.path), *command[1:]])
    assert result.exit_code == 1, result.output
    assert "is damaged" in result.output and "rebuild" in result.output, result.output
    assert "_MAIN_" in result.output and "AssertionError" not in result.output, result.output
