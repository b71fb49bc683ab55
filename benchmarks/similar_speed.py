"""Latency of ``Index.similar`` (related articles) over a fixed sample of the corpus's ids.

    python benchmarks/similar_speed.py INDEX CORPUS [--count 100] [--seed 1]

``benchmarks/run.py`` runs it, in a fresh interpreter, on the kzsearch index of each
corpus size, once the query classes are measured (:func:`speed.measure`'s ``extra``).
The sample is ``--count`` records of the corpus JSONL drawn with ``--seed``, the same on
every run of a corpus. The index is opened and its snapshot loaded first (not timed);
then every id is asked for its 10 related articles twice: the first pass is "cold" (the
first sight of those terms' postings), the second "warm". Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

SAMPLE = 100
PER_PAGE = 10


def sample_ids(corpus: Path, count: int = SAMPLE, seed: int = 1) -> list[str]:
    """The ids of ``count`` records of the corpus JSONL, drawn with ``seed`` (in draw order)."""
    with corpus.open("rb") as lines:
        total = sum(1 for line in lines if line.strip())
    chosen = random.Random(seed).sample(range(total), min(count, total))
    wanted = set(chosen)
    ids: dict[int, str] = {}
    with corpus.open(encoding="utf-8") as lines:
        number = 0
        for line in lines:
            if not line.strip():
                continue
            if number in wanted:
                ids[number] = str(json.loads(line)["id"])
            number += 1
    return [ids[n] for n in chosen]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (as ``speed.percentile``)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(index_path: Path, ids: list[str]) -> dict[str, Any]:
    """Cold and warm latency of ``similar`` for each id, in milliseconds."""
    from kzsearch import Index

    index = Index.open(index_path)
    len(index)  # loads the snapshot: opening is measured by the query sessions
    passes: list[list[float]] = []
    hits: list[int] = []
    for _ in range(2):
        times = []
        for article_id in ids:
            started = time.perf_counter()
            results = index.similar(article_id, per_page=PER_PAGE)
            times.append((time.perf_counter() - started) * 1000)
            hits.append(len(results.hits))
        passes.append(times)
    cold, warm = passes
    return {
        "n": len(ids),
        "cold_p50_ms": round(percentile(cold, 0.5), 2),
        "cold_p95_ms": round(percentile(cold, 0.95), 2),
        "p50_ms": round(percentile(warm, 0.5), 2),
        "p95_ms": round(percentile(warm, 0.95), 2),
        "mean_hits": round(sum(hits[: len(ids)]) / max(len(ids), 1), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--count", type=int, default=SAMPLE)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.index, sample_ids(args.corpus, args.count, args.seed))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
