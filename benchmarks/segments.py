"""Snapshot after a one-article commit: composed from per-segment state vs read from scratch.

    python benchmarks/segments.py INDEX [--commits 10]

Copies the index at INDEX (say, one that ``live.py`` built and cached under
``benchmarks/results/live-cache/``), opens it once and searches, then ``--commits``
times adds one article and commits, and times in the same process, on the same files:

* **composed**: what a long-lived ``Index`` does now, the snapshot of the new generation
  composed from the cached states of its unchanged segments, plus one search on it;
* **scratch**: the old way, a snapshot read from the whole reader (``Snapshot`` without
  a segment cache), plus the same search on it.

Prints p50 / p95 / max of each in milliseconds, and the segments after the commits.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kzsearch import Index, read_articles, sample_corpus_path  # noqa: E402
from kzsearch.search.snapshot import Snapshot  # noqa: E402

QUERIES = ["мемлекет басшысы", "ұлттық құрама", "білім беру", "астана қаласы", "бюджет"]


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def run(source: Path, commits: int) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="kzsearch-segments-")) / "index"
    shutil.copytree(source, work)
    articles = list(read_articles(sample_corpus_path()))
    found: dict[str, list[float]] = {"composed": [], "scratch": []}
    try:
        reader, writer = Index.open(work), Index.open(work)
        reader.search(QUERIES[0])
        for i in range(commits):
            article = dataclasses.replace(articles[i % len(articles)], id=f"segments-bench-{i}")
            writer.add_many([article])
            query = QUERIES[i % len(QUERIES)]

            def scratch(query: str = query) -> None:
                snapshot = Snapshot(reader._current_snapshot().version, reader._ix.reader())
                try:
                    reader._search(snapshot, query, None, None, None, "relevance", None, None,
                                   1, 10)
                finally:
                    snapshot.close()

            found["composed"].append(timed(lambda query=query: reader.search(query)))
            found["scratch"].append(timed(scratch))
        print(f"segments after the commits: {reader.stats().segments}")
        reader.close()
        writer.close()
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--commits", type=int, default=10)
    args = parser.parse_args()
    for name, times in run(args.index, args.commits).items():
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"{name:9} first search after a one-article commit: p50 "
              f"{statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
