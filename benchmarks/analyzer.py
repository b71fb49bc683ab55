"""Analyzer throughput: kzsearch beside Whoosh's StandardAnalyzer, cold and warm cache.

    python benchmarks/analyzer.py [--rounds 5]

Text: the KazNERD test sentences (real Kazakh news-style text), joined into
documents of about 300 words. *Cold* clears every kzsearch cache first (each
distinct word is normalised and stemmed once, then cached); *warm* runs again
over the same text. Runs alternate between the analyzers and the best round of
each is kept, so a busy machine slows both alike. Two modes: the indexing path
(positions only, as Whoosh indexes) and the highlighting path (with offsets).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("KZSEARCH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def kaznerd_documents(words_per_doc: int = 300) -> list[str]:
    """KazNERD sentences detokenised and grouped into news-sized documents."""
    docs, words = [], []
    with open(DATA / "text" / "kaznerd" / "IOB2_test.txt", encoding="utf-8") as handle:
        for line in handle:
            token = line.split(" ")[0].strip()
            if token:
                words.append(token)
            elif len(words) >= words_per_doc:
                docs.append(" ".join(words))
                words = []
    return docs + ([" ".join(words)] if words else [])


def clear_caches() -> None:
    from kzsearch import analysis

    analysis.clear_caches()


def rate(analyzer: Callable, docs: list[str], **kwargs: bool) -> float:
    """Tokens per second of one pass."""
    started, count = time.perf_counter(), 0
    for doc in docs:
        for _ in analyzer(doc, **kwargs):
            count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from whoosh.analysis import StandardAnalyzer

    from kzsearch import ANALYZER

    docs = kaznerd_documents()
    standard = StandardAnalyzer()
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for mode, kwargs in (("index", {"positions": True}), ("offsets", {"chars": True})):
            clear_caches()
            cold = rate(ANALYZER, docs, **kwargs)
            warm = rate(ANALYZER, docs, **kwargs)
            stock = rate(standard, docs, **kwargs)
            for name, value in ((f"kzsearch cold {mode}", cold), (f"kzsearch warm {mode}", warm),
                                (f"StandardAnalyzer {mode}", stock)):
                best[name] = max(best.get(name, 0.0), value)
    tokens = sum(1 for doc in docs for _ in standard(doc))
    print(f"{len(docs)} documents, {tokens:,} StandardAnalyzer tokens; best of {args.rounds}\n")
    print("| analyzer | path | tokens/s | × StandardAnalyzer |")
    print("|---|---|---:|---:|")
    for mode in ("index", "offsets"):
        stock = best[f"StandardAnalyzer {mode}"]
        for name in (f"kzsearch cold {mode}", f"kzsearch warm {mode}", f"StandardAnalyzer {mode}"):
            label = name.rsplit(" ", 1)[0]
            print(f"| {label} | {mode} | {best[name]:,.0f} | {best[name] / stock:.2f} |")


if __name__ == "__main__":
    main()
