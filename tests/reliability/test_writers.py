"""Writers: no write reported as done is lost or doubled, whatever other writers do.

* Processes and threads that upsert the same ids at the same time leave each id once,
  with the text of one writer: what a writer upserts is decided under the lock.
* A rebuild holds the writer lock until its new index is in place: an ``index add``
  during it fails with "locked" or waits and lands in the new index, never in the old
  one that the swap throws away; a second build of the same path is refused.
* Removing Whoosh's lock file in the middle of a write lets no second writer in.
* ``--overwrite`` replaces only a folder that is wholly a kzsearch index.
* ``index delete`` finds ids written with other spaces, line breaks or Unicode forms,
  as ingest would have stored them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from kzsearch import Index, IndexLockedError, read_articles

from ._support import ROOT, SCALE, add, child_env, make_articles, stored_ids

TESTS = str(ROOT / "tests")
PER_WRITER = 120
SETTLE = 1.0  # seconds for waiting writers to reach the lock (only makes the bug likelier)

UPSERTER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from kzsearch import Index
    from reliability._support import make_articles
    path, start, count, tag = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    index = Index.open(path)
    print("ready", flush=True)
    index.add_many(make_articles(count, start=start, prefix="u", tag=tag), lock_timeout=120)
    print("done", flush=True)
    """
)


def run_child(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, TESTS, *map(str, args)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env())


def expect_line(child: subprocess.Popen[str], word: str) -> None:
    line = child.stdout.readline()
    if not line.startswith(word):
        child.kill()
        raise AssertionError(f"child said {line!r}, not {word!r}: {child.stderr.read()}")


def documents(index: Index) -> list[dict]:
    with Index.open(index.path).whoosh_index.searcher() as searcher:
        return list(searcher.documents())


def check_one_writer_won(index: Index, ids: set[str], tags: set[str]) -> None:
    """Each id once, and all of ``ids`` carry the tag of one writer (the last to commit)."""
    docs = documents(index)
    counts = Counter(doc["id"] for doc in docs)
    doubled = {i: n for i, n in counts.items() if n > 1}
    assert not doubled, f"{len(docs)} documents for {len(counts)} ids, e.g. {list(doubled)[:3]}"
    assert ids <= set(counts)
    winners = {doc["title"].rsplit(" ", 1)[-1] for doc in docs if doc["id"] in ids}
    assert len(winners) == 1 and winners <= tags, f"ids written by {sorted(winners)}"
    assert len(Index.open(index.path)) == len(counts)


def round_ids(round_: int) -> tuple[int, set[str]]:
    """Each round upserts PER_WRITER ids, half of them written by the round before."""
    start = round_ * PER_WRITER // 2
    return start, {f"u{n}" for n in range(start, start + PER_WRITER)}


def test_processes_upserting_the_same_ids_leave_each_id_once(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "index")
    for round_ in range(SCALE.upsert_rounds):
        start, ids = round_ids(round_)
        tags = {f"жазушы{round_}x{w}" for w in range(SCALE.upsert_writers)}
        blocker = index.whoosh_index.writer()  # every writer computes, then waits
        try:
            children = [run_child(UPSERTER, index.path, start, PER_WRITER, tag) for tag in tags]
            for child in children:
                expect_line(child, "ready")
            time.sleep(SETTLE)
        finally:
            blocker.cancel()
        for child in children:
            out, err = child.communicate(timeout=300)
            assert child.returncode == 0 and out.strip() == "done", err
        check_one_writer_won(index, ids, tags)
        add("concurrent_upserts_checked", len(tags))


def upsert_in_thread(index: Index, start: int, tag: str, errors: list[BaseException]) -> None:
    try:
        index.add_many(make_articles(PER_WRITER, start=start, prefix="u", tag=tag),
                       lock_timeout=120)
    except BaseException as exc:  # reported by the test's assertion
        errors.append(exc)


def test_threads_upserting_the_same_ids_leave_each_id_once(tmp_path: Path) -> None:
    shared = Index.create(tmp_path / "index")
    for round_ in range(SCALE.upsert_rounds):
        start, ids = round_ids(round_)
        tags = [f"ағын{round_}x{w}" for w in range(SCALE.upsert_writers + 1)]
        # two threads share one Index object, the others each open their own
        handles = [shared, shared] + [Index.open(shared.path) for _ in tags[2:]]
        errors: list[BaseException] = []
        blocker = shared.whoosh_index.writer()
        try:
            threads = [threading.Thread(target=upsert_in_thread, args=(h, start, t, errors))
                       for h, t in zip(handles, tags, strict=True)]
            for thread in threads:
                thread.start()
            time.sleep(SETTLE)
        finally:
            blocker.cancel()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors, errors
        check_one_writer_won(shared, ids, set(tags))
        add("concurrent_upserts_checked", len(tags))


# -- a rebuild holds the lock until its swap ---------------------------------------------------

REBUILDER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from kzsearch import Index
    from reliability._support import make_articles
    with Index.building(sys.argv[2], overwrite=sys.argv[3] == "overwrite") as index:
        index.add_many(make_articles(30, prefix="r"))
        print("building", flush=True)
        sys.stdin.readline()
        index.add_many(make_articles(30, start=30, prefix="r"))
    print("swapped", flush=True)
    """
)
REBUILT = {f"r{n}" for n in range(60)}


def source_file(folder: Path, prefix: str, count: int) -> Path:
    source = folder / f"{prefix}.jsonl"
    lines = [json.dumps({"id": f"{prefix}{n}", "title": f"Жаңа хабар {prefix} {n}",
                         "body": "Ауылдарда жаңа мектептер ашылады."}, ensure_ascii=False)
             for n in range(count)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


def cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kzsearch", *map(str, args)],
                          capture_output=True, text=True, env=child_env(), timeout=300)


def finish(child: subprocess.Popen[str], word: str) -> None:
    out, err = child.communicate("go\n", timeout=300)
    assert child.returncode == 0 and word in out, err


def test_an_add_during_a_rebuild_is_refused_or_lands_in_the_new_index(tmp_path: Path) -> None:
    path = tmp_path / "index"
    Index.create(path).add_many(make_articles(20, prefix="o"))
    rebuild = run_child(REBUILDER, path, "overwrite")
    expect_line(rebuild, "building")
    quick = cli("index", "add", source_file(tmp_path, "n", 10), "--index", path)
    waiting = run_child(UPSERTER, path, 0, 15, "күтті")
    waiting_cli = subprocess.Popen(
        [sys.executable, "-m", "kzsearch", "index", "add", source_file(tmp_path, "w", 10),
         "--index", str(path), "--wait", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
    expect_line(waiting, "ready")
    time.sleep(SETTLE)
    rebuild.stdin.write("go\n")
    rebuild.stdin.flush()
    finish(waiting, "done")
    finish(rebuild, "swapped")
    _, err = waiting_cli.communicate(timeout=300)
    assert waiting_cli.returncode == 0 and "10 accepted" in err, err

    ids = stored_ids(Index.open(path))
    if quick.returncode == 0:
        assert {f"n{n}" for n in range(10)} <= ids, "an add reported as done was lost"
    else:
        assert quick.returncode == 1 and "locked" in quick.stderr, quick.stderr
    assert ids >= REBUILT | {f"u{n}" for n in range(15)}, "the waiting add was lost"
    assert ids >= {f"w{n}" for n in range(10)}, "the waiting `index add --wait` was lost"
    assert not ids & {f"o{n}" for n in range(20)}
    add("adds_during_rebuild_checked", 3)


@pytest.mark.parametrize("overwrite", ["overwrite", "new"])
def test_a_second_build_of_the_same_path_is_refused(tmp_path: Path, overwrite: str) -> None:
    path = tmp_path / "index"
    first = run_child(REBUILDER, path, overwrite)
    expect_line(first, "building")
    flags = ["--overwrite"] if overwrite == "overwrite" else []
    second = cli("index", "build", source_file(tmp_path, "s", 5), "--index", path, *flags)
    finish(first, "swapped")
    assert second.returncode == 1 and "locked" in second.stderr, second.stderr
    assert stored_ids(Index.open(path)) == REBUILT
    add("second_builds_refused")


LOCK_DELETER = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from kzsearch import Index
    from reliability._support import make_articles
    path = Path(sys.argv[2])
    index = Index.open(path)

    def tick(done):
        if done == 100:
            (path / "MAIN_WRITELOCK").unlink()
            print("unlocked", flush=True)
            sys.stdin.readline()

    index.add_many(make_articles(300, prefix="d"), progress=tick)
    print("done", flush=True)
    """
)


def test_removing_whooshs_lock_file_mid_write_lets_no_second_writer_in(tmp_path: Path) -> None:
    path = tmp_path / "index"
    Index.create(path).add_many(make_articles(10, prefix="o"))
    first = run_child(LOCK_DELETER, path)
    expect_line(first, "unlocked")
    second = Index.open(path)
    try:
        with pytest.raises(IndexLockedError):
            second.add_many(make_articles(10, prefix="x"))
    finally:
        finish(first, "done")
    second.add_many(make_articles(10, prefix="x"))  # and works once the first is done
    expected = {f"{p}{n}" for p, c in (("o", 10), ("d", 300), ("x", 10)) for n in range(c)}
    assert stored_ids(Index.open(path)) == expected
    add("lock_file_removals_survived")


# -- what --overwrite may replace -------------------------------------------------------------


def test_overwrite_refuses_a_folder_with_other_files_beside_kzsearch_json(
        tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    Index.create(folder).add_many(make_articles(3))
    (folder / "notes.txt").write_text("Менің жазбаларым", encoding="utf-8")
    (folder / "src").mkdir()
    (folder / "src" / "notes.txt").write_text("код", encoding="utf-8")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    with pytest.raises(FileExistsError, match="not a kzsearch index"):
        Index.create(folder, overwrite=True)
    with pytest.raises(FileExistsError, match="notes.txt"), \
            Index.building(folder, overwrite=True):
        raise AssertionError("the build must not start")
    result = cli("index", "build", source_file(tmp_path, "b", 3), "--index", folder,
                 "--overwrite")
    assert result.returncode == 2 and "not a kzsearch index" in result.stderr, result.stderr
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    assert (folder / "src" / "notes.txt").read_text(encoding="utf-8") == "код"
    add("foreign_folders_kept")


def test_overwrite_still_replaces_a_kzsearch_index(tmp_path: Path) -> None:
    path = tmp_path / "index"
    Index.create(path).add_many(make_articles(30, prefix="o"), procs=2)
    Index.open(path).delete(["o1"])
    with Index.building(path, overwrite=True) as index:
        index.add_many(make_articles(5, prefix="r"))
    assert stored_ids(Index.open(path)) == {f"r{n}" for n in range(5)}


# -- delete normalises ids as ingest does -----------------------------------------------------


@pytest.mark.parametrize("spelled", [
    "  мақала-1 ", "мақала-1\n", "\u00a0мақала-1\u200b", "ай-мақала-1", "ай-мақала-1 \r\n",
])
def test_delete_finds_ids_spelled_as_ingest_would_clean_them(tmp_path: Path,
                                                            spelled: str) -> None:
    source = tmp_path / "news.jsonl"
    records = [{"id": i, "title": "Мемлекеттік бюджет", "body": "Үкімет бюджетті мақұлдады."}
               for i in ("мақала-1", "ай-мақала-1", "мақала-2")]
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                      encoding="utf-8")
    index = Index.create(tmp_path / "index")
    index.add_many(read_articles(source))
    variant = unicodedata.normalize("NFD", spelled)  # й becomes и + a combining breve
    assert index.delete([variant]) == 1
    assert stored_ids(Index.open(index.path)) == {"мақала-1", "ай-мақала-1", "мақала-2"} - {
        unicodedata.normalize("NFC", " ".join(spelled.split()).replace("\u200b", ""))}
    add("id_spellings_deleted")


def test_index_delete_command_cleans_ids_as_ingest_does(tmp_path: Path) -> None:
    path = tmp_path / "index"
    assert cli("index", "build", source_file(tmp_path, "ай-", 3), "--index", path).returncode == 0
    result = cli("index", "delete", unicodedata.normalize("NFD", " ай-1\n"), "ай-2 ",
                 "ай-1", "--index", path)
    assert result.returncode == 0 and "deleted 2 of 2 ids" in result.stdout, result.stderr
    assert stored_ids(Index.open(path)) == {"ай-0"}
    add("id_spellings_deleted", 2)


# -- found by attacking the fixes ---------------------------------------------------------------


def _holding_a_rebuild(path: Path) -> tuple[threading.Thread, threading.Event, threading.Event]:
    """A thread that rebuilds ``path`` and holds the build (and its lock) until released."""
    building, release = threading.Event(), threading.Event()

    def rebuild() -> None:
        with Index.building(path, overwrite=True) as new:
            new.add_many(make_articles(5, prefix="new"))
            building.set()
            release.wait(30)

    thread = threading.Thread(target=rebuild)
    thread.start()
    assert building.wait(30)
    return thread, building, release


@pytest.mark.parametrize("spelling", [".", "sub/..", "./"])
def test_an_index_opened_by_a_relative_spelling_takes_the_same_writer_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    """``Index.open(".")`` from inside the index must not get a lock of its own (it got
    ``./..lock``, inside the index, and its add was acknowledged, then swapped away)."""
    path = tmp_path / "idx"
    with Index.create(path) as index:
        index.add_many(make_articles(5))
    (path / "sub").mkdir()
    monkeypatch.chdir(path)
    dotted = Index.open(spelling)
    (path / "sub").rmdir()
    thread, _, release = _holding_a_rebuild(path)
    try:
        with pytest.raises(IndexLockedError):
            dotted.add_many(make_articles(2, prefix="late"))
    finally:
        release.set()
        thread.join()
    assert not (path / "..lock").exists()
    with Index.open(path) as index:
        assert {i[:3] for i in stored_ids(index)} == {"new"}
    add("relative_spellings_locked")


def test_an_index_opened_as_dot_writes_to_the_rebuilt_index_after_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After another writer's rebuild, ``"."`` still names the old, deleted folder; the
    object knows its index by its absolute path, so its next add lands in the new one."""
    path = tmp_path / "idx"
    with Index.create(path) as index:
        index.add_many(make_articles(5))
    monkeypatch.chdir(path)
    dotted = Index.open(".")
    thread, _, release = _holding_a_rebuild(path)
    release.set()
    thread.join()
    dotted.add_many(make_articles(2, prefix="late"))
    with Index.open(path) as index:
        assert sorted(i[:3] for i in stored_ids(index)) == ["lat"] * 2 + ["new"] * 5
