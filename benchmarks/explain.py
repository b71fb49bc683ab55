"""Explanations on KazQAD: do they add up, and what does asking for them cost?

    python benchmarks/explain.py

Indexes the 697 KazQAD passages, asks the 257 dev questions in each way people type
them (Cyrillic, 2021 Latin, a Russian keyboard, informal Latin; see relevance.py),
first page of 10, with and without ``explain=True``. Prints, per script: the hits
explained, how many explanations add up to the hit's score (within 1e-4; Hit.score
has four decimals), the largest difference, whether the ranking was the same both
ways, and the search latency p50/p95 of each.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import relevance  # noqa: E402 - the KazQAD loaders and query rewrites

TOLERANCE = 1e-4


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(index, query: str, explain: bool) -> tuple[float, list]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    hits = index.search(query, per_page=10, explain=explain).hits
    return 1000 * (time.perf_counter() - started), hits


def main() -> None:
    from kzsearch import Article, Index

    corpus = relevance.load_corpus()
    questions = list(relevance.load_queries().values())
    with tempfile.TemporaryDirectory() as folder:
        index = Index.create(Path(folder) / "index")
        index.add_many(Article(id=d["_id"], title=d["title"], body=d["text"]) for d in corpus)
        print(f"{len(corpus)} passages, {len(questions)} questions, first page of 10")
        print(f"{'script':<18}{'hits':>6}{'add up':>8}{'max diff':>10}{'same':>6}"
              f"{'plain p50/p95 ms':>18}{'explain p50/p95 ms':>20}")
        for script, rewrite in relevance.rewrites().items():
            plain_ms, explain_ms, hits, adding, worst, same = [], [], 0, 0, 0.0, True
            for question in questions:
                query = rewrite(question)
                index.search(query)  # warm: both runs below read cached postings
                took, plain = timed(index, query, False)
                plain_ms.append(took)
                took, explained = timed(index, query, True)
                explain_ms.append(took)
                same &= [(h.id, h.score) for h in plain] == [(h.id, h.score) for h in explained]
                for hit in explained:
                    diff = abs(hit.explanation.score - hit.score)
                    hits, adding, worst = hits + 1, adding + (diff <= TOLERANCE), max(worst, diff)
            print(f"{script:<18}{hits:>6}{adding:>8}{worst:>10.1e}{'yes' if same else 'NO':>6}"
                  f"{percentile(plain_ms, .5):>9.2f} /{percentile(plain_ms, .95):>6.2f}"
                  f"{percentile(explain_ms, .5):>11.2f} /{percentile(explain_ms, .95):>6.2f}")


if __name__ == "__main__":
    main()
