"""One long-lived ``Index`` object shared by threads, and followed across other processes' work.

The promises proved here:

* threads that search one ``Index`` while articles are added to it (by a thread of this
  process or by another process) never get an exception, and every result is one
  consistent state of the index: its total lies between the counts committed before and
  after the search, and its facets add up to its total;
* after a rebuild by another process (``Index.building(..., overwrite=True)``, same
  generation number) the long-lived object searches and counts the new index, not the
  deleted one;
* a directory that became writable by others, or a new file owned by another user, is
  refused on the next search, not only at ``open()``;
* ``close()``, ``with Index.open(...)`` and ``refresh()`` do what their docstrings say, also
  while other threads are searching.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kzsearch import Index, UntrustedIndexError

from ._support import SCALE, add, make_articles, record

WORD = "хабар"  # in every article's body
PHRASE = '"бюджет қабылданды"'  # in the title of every sixth article (topic 0)
FIRST = 30  # articles in the index before the writer starts
NOBODY = 65534
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _closed_error() -> type[Exception]:
    from kzsearch import IndexClosedError  # imported here: the base commit had none

    return IndexClosedError


def _topic_zero(count: int) -> int:
    """How many of the first ``count`` articles have topic 0 (``make_articles`` cycles six)."""
    return (count + 5) // 6


@dataclass
class _Progress:
    """Articles the writer has started to add (upper bound) and finished adding (lower)."""

    started: Any
    done: Any


@dataclass
class _Tally:
    searches: int = 0
    errors: list[str] = field(default_factory=list)
    counts_seen: set[int] = field(default_factory=set)


def _check_one_round(index: Index, progress: _Progress, round_: int, tally: _Tally) -> None:
    """Search, count and (now and then) read stats; each must show a committed state."""
    low = progress.done.value
    every = index.search(WORD, per_page=5, sort="date" if round_ % 2 else "relevance")
    phrase = index.search(PHRASE, per_page=3, rubric="Экономика" if round_ % 3 == 0 else None)
    count = len(index)
    documents = index.stats().documents if round_ % 10 == 0 else count
    high = progress.started.value
    tally.searches += 2
    tally.counts_seen.add(count)
    for name, seen in (("total", every.total), ("len", count), ("stats", documents)):
        if not low <= seen <= high:
            tally.errors.append(f"{name} {seen} outside the committed {low}..{high}")
    if sum(every.facets["rubric"].values()) != every.total:
        tally.errors.append(f"rubric facets {every.facets['rubric']} != total {every.total}")
    ids = {h.id for h in every.hits}
    if len(every.hits) != min(5, every.total) or len(ids) != len(every.hits):
        tally.errors.append(f"page of {len(every.hits)} hits for a total of {every.total}")
    if phrase.total > _topic_zero(high):
        tally.errors.append(f"phrase total {phrase.total} above the {_topic_zero(high)} possible")


def _search_until(stop: threading.Event, index: Index, progress: _Progress,
                  tally: _Tally) -> None:
    round_ = 0
    while not stop.is_set():
        try:
            _check_one_round(index, progress, round_, tally)
        except Exception as exc:  # counted and reported; the tests assert there are none
            tally.errors.append(f"{type(exc).__name__}: {exc}")
        round_ += 1


def _add_one_at_a_time(index: Index, progress: _Progress, seconds: float) -> int:
    """Add one article per commit for ``seconds``; returns the number of commits."""
    deadline, commits = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        n = progress.done.value
        progress.started.value = n + 1
        index.add_many(make_articles(1, start=n))
        progress.done.value = n + 1
        commits += 1
    return commits


def _run_searchers(index: Index, progress: _Progress, writer: Callable[[], int]) -> tuple[
        int, list[_Tally]]:
    stop = threading.Event()
    tallies = [_Tally() for _ in range(SCALE.shared_threads)]
    threads = [threading.Thread(target=_search_until, args=(stop, index, progress, t))
               for t in tallies]
    for thread in threads:
        thread.start()
    try:
        commits = writer()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a search thread hung"
    return commits, tallies


def _assert_all_consistent(index: Index, commits: int, tallies: list[_Tally], name: str) -> None:
    searches = sum(t.searches for t in tallies)
    errors = [e for t in tallies for e in t.errors]
    add("shared_object_searches", searches)
    add("shared_object_errors", len(errors))
    add(f"shared_object_commits_{name}", commits)
    record("shared_object_threads", SCALE.shared_threads)
    record("shared_object_seconds", SCALE.shared_seconds)
    assert not errors, f"{len(errors)} errors in {searches} searches, first: {errors[:5]}"
    assert commits >= 5, "the writer hardly committed: the test proves nothing"
    assert all(t.searches for t in tallies), "a thread never searched"
    assert len(set().union(*(t.counts_seen for t in tallies))) >= 2, "no search saw a commit land"
    final = FIRST + commits
    results = index.search(WORD, per_page=final)
    assert results.total == len(index) == final
    assert {h.id for h in results.hits} == {f"a{n}" for n in range(final)}
    assert index.search(PHRASE).total == _topic_zero(final)


def test_threads_search_one_index_while_a_thread_of_the_process_adds_articles(
        tmp_path: Path) -> None:
    index = Index.create(tmp_path / "index")
    index.add_many(make_articles(FIRST))
    progress = _Progress(multiprocessing.Value("q", FIRST), multiprocessing.Value("q", FIRST))
    index.search(WORD)  # the snapshot the first searches share is open before the writer starts
    commits, tallies = _run_searchers(
        index, progress, lambda: _add_one_at_a_time(index, progress, SCALE.shared_seconds))
    _assert_all_consistent(index, commits, tallies, "thread_writer")


def _child_writer(path: str, started: Any, done: Any, seconds: float, out: Any) -> None:
    try:
        commits = _add_one_at_a_time(Index.open(path), _Progress(started, done), seconds)
        out.put(("ok", commits))
    except Exception as exc:
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def test_threads_search_one_index_while_another_process_adds_articles(tmp_path: Path) -> None:
    path = tmp_path / "index"
    Index.create(path).add_many(make_articles(FIRST))
    index = Index.open(path)
    index.search(WORD)
    context = multiprocessing.get_context("fork")  # forked before any search thread starts
    progress = _Progress(context.Value("q", FIRST), context.Value("q", FIRST))
    out = context.Queue()
    child = context.Process(target=_child_writer, args=(
        str(path), progress.started, progress.done, SCALE.shared_seconds, out))

    def writer() -> int:
        child.start()
        status, value = out.get(timeout=SCALE.shared_seconds + 120)
        child.join(timeout=60)
        assert status == "ok", value
        return int(value)

    commits, tallies = _run_searchers(index, progress, writer)
    _assert_all_consistent(index, commits, tallies, "process_writer")


# -- another process rebuilds the directory ------------------------------------------------


def _rebuild(path: str, count: int) -> None:
    with Index.building(path, overwrite=True) as new:
        new.add_many(make_articles(count, prefix="b", tag="жаңартылды"))


def _in_child(target: Callable[..., None], *args: Any) -> None:
    child = multiprocessing.get_context("fork").Process(target=target, args=args)
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0, f"the child failed with exit code {child.exitcode}"


def test_a_long_lived_index_follows_a_rebuild_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "index"
    with Index.building(path) as new:
        new.add_many(make_articles(20))
    index = Index.open(path)
    assert index.search(WORD).total == len(index) == 20
    generation = index.whoosh_index.latest_generation()

    _in_child(_rebuild, str(path), 26)  # one commit too: the new index has the same generation

    assert index.whoosh_index.latest_generation() == generation
    results = index.search(WORD, per_page=30)
    assert results.total == len(index) == index.stats().documents == 26
    assert {h.id for h in results.hits} == {f"b{n}" for n in range(26)}
    assert index.search("жаңартылды").total == 26
    add("shared_object_rebuilds_followed")


def _rebuild_repeatedly(path: str, seconds: float, out: Any) -> None:
    deadline, rebuilds = time.monotonic() + seconds, 0
    while time.monotonic() < deadline or rebuilds < 3:
        _rebuild(path, 20 + 6 * (rebuilds % 2))
        rebuilds += 1
    out.put(rebuilds)


def test_threads_search_one_index_while_another_process_rebuilds_it_again_and_again(
        tmp_path: Path) -> None:
    path = tmp_path / "index"
    with Index.building(path) as new:
        new.add_many(make_articles(26))
    index = Index.open(path)
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    child = context.Process(target=_rebuild_repeatedly,
                            args=(str(path), SCALE.shared_seconds, out))
    child.start()
    stop, errors, searches = threading.Event(), [], [0]

    def search() -> None:
        while not stop.is_set():
            try:
                results = index.search(WORD, per_page=30)
                prefixes = {h.id[0] for h in results.hits}
                if results.total not in (20, 26) or len(prefixes) != 1:
                    errors.append(f"total {results.total}, ids starting with {prefixes}")
                searches[0] += 1
            except Exception as exc:  # collected; the test asserts there are none
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=search) for _ in range(SCALE.shared_threads)]
    for thread in threads:
        thread.start()
    try:
        rebuilds = out.get(timeout=SCALE.shared_seconds + 120)
        child.join(timeout=60)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    add("shared_object_searches", searches[0])
    add("shared_object_errors", len(errors))
    add("shared_object_rebuilds_followed", rebuilds)
    assert not errors, f"{len(errors)} errors in {searches[0]} searches, first: {errors[:5]}"
    last = 20 + 6 * ((rebuilds - 1) % 2)
    results = index.search(WORD, per_page=30)
    assert results.total == len(index) == last
    assert {h.id for h in results.hits} == {f"b{n}" for n in range(last)}


# -- trust is checked again on every reload --------------------------------------------------


@pytest.fixture()
def searched(tmp_path: Path) -> Index:
    """An index opened and searched once, as a long-lived server process holds it."""
    Index.create(tmp_path / "index").add_many(make_articles(12))
    index = Index.open(tmp_path / "index")
    assert index.search(WORD).total == 12
    return index


def _newest_toc(path: Path) -> Path:
    return max(path.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def test_a_long_lived_index_refuses_its_directory_once_others_can_write_it(
        searched: Index) -> None:
    mode = stat.S_IMODE(searched.path.stat().st_mode)
    searched.path.chmod(mode | stat.S_IWOTH)
    with pytest.raises(UntrustedIndexError, match="unpickled"):
        searched.search(WORD)
    add("shared_object_untrusted_refused")
    searched.path.chmod(mode)
    assert searched.search(WORD).total == 12  # trusted again once the bit is gone


def test_a_long_lived_index_refuses_a_new_commit_whose_file_others_can_write(
        searched: Index) -> None:
    Index.open(searched.path).add_many(make_articles(3, start=12))  # another writer's commit
    toc = _newest_toc(searched.path)
    toc.chmod(stat.S_IMODE(toc.stat().st_mode) | stat.S_IWGRP)
    with pytest.raises(UntrustedIndexError, match="unpickled"):
        searched.search(WORD)
    with pytest.raises(UntrustedIndexError):
        len(searched)
    add("shared_object_untrusted_refused")


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another user")
def test_a_long_lived_index_refuses_a_new_commit_owned_by_another_user(searched: Index) -> None:
    Index.open(searched.path).add_many(make_articles(3, start=12))
    os.chown(_newest_toc(searched.path), NOBODY, NOBODY)
    with pytest.raises(UntrustedIndexError, match="owned by"):
        searched.search(WORD)
    add("shared_object_untrusted_refused")


# -- lifecycle: close, with, refresh -----------------------------------------------------------


def _mapped_segments(path: Path) -> int:
    """How many of the index's segment files this process has memory-mapped (Linux)."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        return sum(1 for line in maps if str(path) in line and line.rstrip().endswith(".seg"))


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_a_with_block_closes_the_index_and_its_files(tmp_path: Path) -> None:
    path = tmp_path / "index"
    Index.create(path).add_many(make_articles(12))
    with Index.open(path) as index:
        assert index.search(WORD).total == 12
        assert _mapped_segments(path) > 0
    assert _mapped_segments(path) == 0
    with pytest.raises(_closed_error(), match="closed"):
        index.search(WORD)


def test_a_closed_index_refuses_every_operation_with_a_clear_error(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "index")
    index.add_many(make_articles(6))
    index.search(WORD)
    index.close()
    index.close()  # closing twice is allowed, as with files
    closed = _closed_error()
    for operation in (lambda: index.search(WORD), lambda: len(index), index.stats,
                      index.refresh, lambda: index.add_many(make_articles(1, start=6))):
        with pytest.raises(closed, match="closed"):
            operation()
    assert len(Index.open(index.path)) == 6  # closing one object leaves the index alone


def test_refresh_loads_another_process_commit_and_says_whether_anything_changed(
        tmp_path: Path) -> None:
    path = tmp_path / "index"
    Index.create(path).add_many(make_articles(10))
    index = Index.open(path)
    assert index.search(WORD).total == 10
    assert index.refresh() is False
    _in_child(lambda: Index.open(path).add_many(make_articles(4, start=10)))
    assert index.refresh() is True
    assert index.refresh() is False
    assert index.search(WORD).total == len(index) == 14
    _in_child(_rebuild, str(path), 5)
    assert index.refresh() is True
    assert len(index) == 5


def test_close_while_threads_search_lets_the_running_searches_finish(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "index")
    index.add_many(make_articles(40))
    closed = _closed_error()
    outcomes: list[str] = []
    searches = [0]

    def search() -> None:
        try:
            while True:
                assert index.search(WORD, per_page=3).total == 40
                searches[0] += 1
        except closed:
            outcomes.append("closed")
        except Exception as exc:  # collected; the test asserts there are none
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=search) for _ in range(SCALE.shared_threads)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    index.close()
    for thread in threads:
        thread.join(timeout=60)
    add("shared_object_searches_closed_under", searches[0])
    assert outcomes == ["closed"] * len(threads)
    assert searches[0] > 0


def test_close_during_an_add_lets_the_add_finish_and_report_success(tmp_path: Path) -> None:
    """``close`` from another thread while ``add_many`` runs: the add was committed, so it
    must not raise (the caller would think the write failed); later calls are refused."""
    from kzsearch import Index
    from kzsearch.index import IndexClosedError

    path = tmp_path / "index"
    with Index.create(path) as index:
        index.add_many(make_articles(10))
    index = Index.open(path)
    report = index.add_many(make_articles(200, start=5), progress=lambda done: index.close())
    assert (report.accepted, report.updated) == (200, 5)
    with pytest.raises(IndexClosedError):
        index.search("бюджет")
    with Index.open(path) as again:
        assert len(again) == 205
