"""Completion latency: ``Index.complete`` over a fixed set of prefixes, as typed.

    python benchmarks/completion.py --index PATH     # an index built already
    python benchmarks/run.py ...                      # runs this on every kzsearch build

The prefixes are the first 2 to 6 letters of a fixed list of words, typed three ways:
in Kazakh letters, without them (a Russian keyboard), and in Latin script (2021 and
chat Latin); a few carry an earlier word (``жаңа мем``). Each is timed once in a fresh
process, after one first completion that maps the segments' word tables (reported
apart as ``load_ms``); p50/p95 are over the prefixes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORDS = {
    "kazakh": ["қазақстан", "мемлекеттік", "үкіметтің", "білім", "өңірлерде", "жұмысшылар",
               "ақпарат", "халықаралық"],
    "folded": ["казакстан", "мемлекеттик", "укиметтин", "билим", "онирлерде", "жумысшылар",
               "акпарат", "халыкаралык"],
    "latin": ["qazaqstan", "memlekettik", "ükımettıñ", "bilim", "onirlerde", "jumysshylar",
              "aqparat", "halyqaralyq"],
}
WITH_EARLIER = ["жаңа мем", "республикалық бюдж", "jaña qaz"]
LENGTHS = range(2, 7)


def prefixes() -> dict[str, list[str]]:
    """Every prefix timed, by how it is typed."""
    found = {kind: [word[:n] for word in words for n in LENGTHS if n <= len(word)]
             for kind, words in WORDS.items()}
    found["earlier words"] = WITH_EARLIER
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(path: Path, limit: int = 10) -> dict[str, Any]:
    """Latency figures of completing every prefix once on the index at ``path``."""
    from kzsearch import Index

    with Index.open(path) as index:
        started = time.perf_counter()
        index.complete("а", limit=limit)
        load_ms = (time.perf_counter() - started) * 1000
        times: dict[str, list[float]] = {}
        cpu: list[float] = []
        empty = 0
        for kind, typed in prefixes().items():
            for prefix in typed:
                started, used = time.perf_counter(), time.thread_time()
                found = index.complete(prefix, limit=limit)
                times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
                cpu.append((time.thread_time() - used) * 1000)
                empty += not found
    every = [t for values in times.values() for t in values]
    return {
        "prefixes": len(every),
        "without_completion": empty,
        "load_ms": round(load_ms, 1),
        "p50_ms": round(percentile(every, 0.5), 2),
        "p95_ms": round(percentile(every, 0.95), 2),
        "max_ms": round(max(every), 2),
        # CPU time of the thread: what the wall-clock figures are when no other process
        # takes the cores (a busy machine preempts in slices of about 4 ms)
        "cpu_p50_ms": round(percentile(cpu, 0.5), 2),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 2),
        "classes": {kind: {"p50_ms": round(percentile(values, 0.5), 2),
                           "p95_ms": round(percentile(values, 0.95), 2)}
                    for kind, values in times.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a kzsearch index folder")
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.index, args.limit), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
