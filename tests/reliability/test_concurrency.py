"""Concurrency: one writer commits batches while reader processes search without pause.

Each reader, in a loop, notes how many documents the writer has published as committed,
opens the index afresh, counts and searches it, and also searches through one handle it
keeps open. The promise: no reader ever gets an exception, a reader that reopens after a
commit sees it (count and search total at least the published count), and the count a
reader sees never goes backwards, even while batches replace articles (delete + add in
one commit) and segments are merged.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path

from kzsearch import Index

from ._support import SCALE, SEED, add, make_articles, record

WORD = "хабар"  # in every article's body


def _reader(path: str, published, stop, out) -> None:  # noqa: ANN001 - multiprocessing types
    errors: list[str] = []
    searches = stale = backwards = 0
    last, seen = -1, set()
    kept = Index.open(path)
    while not stop.is_set():
        try:
            committed = published.value
            index = Index.open(path)
            count = len(index)
            total = index.search(WORD, per_page=3).total
            kept_total = kept.search(WORD, per_page=3, sort="date").total
            searches += 2
            if min(count, total, kept_total) < committed:
                stale += 1
                errors.append(f"committed {committed}, saw {count}/{total}/{kept_total}")
            if count < last:
                backwards += 1
                errors.append(f"count went from {last} to {count}")
            last = max(last, count)
            seen.add(count)
        except Exception as exc:  # counted and reported; the test asserts there are none
            errors.append(f"{type(exc).__name__}: {exc}")
    final = len(Index.open(path))
    out.put({"errors": errors[:20], "error_count": len(errors), "searches": searches,
             "stale": stale, "backwards": backwards, "counts_seen": len(seen), "final": final})


def test_readers_search_without_error_while_a_writer_commits(tmp_path: Path) -> None:
    path = tmp_path / "index"
    index = Index.create(path)
    index.add_many(make_articles(50))
    context = multiprocessing.get_context("fork")
    published, stop, out = context.Value("q", len(index)), context.Event(), context.Queue()
    readers = [context.Process(target=_reader, args=(str(path), published, stop, out))
               for _ in range(SCALE.readers)]
    for reader in readers:
        reader.start()

    rng = random.Random(SEED)
    commits, next_id = 0, 50
    deadline = time.monotonic() + SCALE.reader_seconds
    try:
        while time.monotonic() < deadline:
            if commits % 4 == 3:  # replace 30 existing articles: the count must not dip
                index.add_many(make_articles(30, start=rng.randrange(next_id - 30), tag="жаңа"))
            else:
                index.add_many(make_articles(25, start=next_id))
                next_id += 25
            if commits % 10 == 9:
                index.optimize()
            commits += 1
            published.value = len(index)
            time.sleep(rng.uniform(0.0, 0.05))
    finally:
        stop.set()
        results = [out.get(timeout=120) for _ in readers]
        for reader in readers:
            reader.join(timeout=60)

    assert len(index) == next_id
    add("concurrent readers", len(readers))
    add("reader searches", sum(r["searches"] for r in results))
    add("reader errors", sum(r["error_count"] for r in results))
    add("commits under readers", commits)
    record("reader seconds", SCALE.reader_seconds)
    assert commits >= 5, "the writer hardly committed: the test proves nothing"
    for result in results:
        assert result["error_count"] == 0, result["errors"]
        assert result["searches"] > 0, "a reader never searched"
        assert result["counts_seen"] >= 2, "a reader never saw a commit land"
        assert result["final"] == next_id
