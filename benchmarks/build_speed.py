"""Build speed alone: kzsearch (procs=1 and 2) beside stock Whoosh, alternating, best of N.

    python benchmarks/build_speed.py [--articles 10000] [--rounds 1]

The full report (`run.py`) builds each engine once, so a busy machine can distort one
build and not another; this script alternates the three builds on the same generated
corpus and keeps each one's best round. Run it when nothing else uses the cores: the
procs=2 figure needs both.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus import generate, write_jsonl  # noqa: E402
from engines import build_kzsearch, build_whoosh  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    builds = {
        "kzsearch procs=1": lambda c, p: build_kzsearch(c, p, procs=1),
        "kzsearch procs=2": lambda c, p: build_kzsearch(c, p, procs=2),
        "stock Whoosh": lambda c, p: build_whoosh(c, p, procs=1),
    }
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        write_jsonl(generate(args.articles, seed=1), corpus)
        for _ in range(args.rounds):
            for name, build in builds.items():
                started = time.perf_counter()
                docs = build(corpus, Path(tmp) / "index")
                best[name] = max(best.get(name, 0.0), docs / (time.perf_counter() - started))
    load = os.getloadavg()[0]
    print(f"{args.articles:,} articles; load average {load:.2f}; best of {args.rounds}")
    print("| build | docs/s | × stock Whoosh | × kzsearch procs=1 |")
    print("|---|---:|---:|---:|")
    for name, rate in best.items():
        print(f"| {name} | {rate:,.0f} | {rate / best['stock Whoosh']:.2f} |"
              f" {rate / best['kzsearch procs=1']:.2f} |")


if __name__ == "__main__":
    main()
