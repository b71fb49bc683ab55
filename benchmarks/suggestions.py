"""Did you mean, and synonyms: what they cost a search, and whether suggestions are words.

    python benchmarks/corpus.py --articles 10000 --seed 1 --out /tmp/corpus-10k.jsonl
    kzsearch index build /tmp/corpus-10k.jsonl --index /tmp/index-10k
    PYTHONPATH=. python benchmarks/suggestions.py /tmp/corpus-10k.jsonl /tmp/index-10k
    PYTHONPATH=OTHER_TREE python benchmarks/suggestions.py ...   # another checkout, same index

Misspellings are made from the corpus's own frequent Kazakh words (at least six letters),
one slip each, deterministically: a letter left out, two neighbours swapped, or a letter
doubled; only those whose analysed term is in no article are kept (only they get a
suggestion). Each is searched once on a freshly opened index (the first search of a
misspelling: the suggestion's look-ups are not cached yet) and again (repeated), and the
suggestion is judged: *seen* when every word of it stands in some article of the corpus,
*right* when it is the word that was misspelt. Term queries (1-3 frequent words) are
timed without synonyms and with ``--groups`` synonym groups made of frequent words, to
show what expansion costs. Prints one Markdown table; the index is only read, unless
synonyms are measured (then they are set, and removed at the end).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from kzsearch import Index
from kzsearch.analysis import index_term, tokens

KAZAKH = re.compile("[әғқңөұүһі]")
WORD = re.compile(r"[а-яәғқңөұүһіё]+")


def corpus_words(corpus: Path, limit: int | None = None) -> Counter[str]:
    """Every word of the corpus (lower case, as the tokenizer normalises) with its count."""
    counts: Counter[str] = Counter()
    with open(corpus, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                break
            record = json.loads(line)
            text = f"{record.get('title', '')}\n{record.get('body', '')}"
            counts.update(token.text for token in tokens(text))
    return counts


def misspell(word: str, rng: random.Random) -> str:
    at = rng.randrange(2, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:at] + word[at + 1:]
    if kind == 1:
        return word[:at - 1] + word[at] + word[at - 1] + word[at + 1:]
    return word[:at] + word[at] + word[at:]


def misspellings(words: Counter[str], known: set[str], count: int,
                 seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    frequent = [w for w, _ in words.most_common(20_000)
                if len(w) >= 6 and KAZAKH.search(w) and WORD.fullmatch(w)]
    rng.shuffle(frequent)
    found: list[tuple[str, str]] = []
    for word in frequent:
        typo = misspell(word, rng)
        if typo != word and typo not in words and index_term(typo) not in known:
            found.append((word, typo))
            if len(found) == count:
                break
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(index: Index, query: str) -> tuple[float, str | None]:
    started = time.perf_counter()
    results = index.search(query)
    return (time.perf_counter() - started) * 1000, results.suggestion


def suggestion_rows(index_path: Path, pairs: list[tuple[str, str]],
                    words: Counter[str]) -> dict[str, float]:
    index = Index.open(index_path)
    index.search("мемлекет")  # the snapshot loaded: not part of any figure
    first = [timed(index, typo) for _, typo in pairs]
    again = [timed(index, typo)[0] for _, typo in pairs]
    given = [(word, suggestion) for (word, _), (_, suggestion) in zip(pairs, first,
                                                                      strict=True) if suggestion]
    seen = sum(all(w in words for w in s.lower().split()) for _, s in given)
    right = sum(s.lower() == word for word, s in given)
    return {"misspellings": len(pairs), "suggested": len(given), "seen": seen, "right": right,
            "first p50": statistics.median(t for t, _ in first),
            "first p95": percentile([t for t, _ in first], 0.95),
            "repeated p50": statistics.median(again), "repeated p95": percentile(again, 0.95)}


def term_queries(words: Counter[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    frequent = [w for w, _ in words.most_common(4000)[60:] if len(w) >= 4]
    return [" ".join(rng.sample(frequent, rng.randint(1, 3))) for _ in range(count)]


def query_times(index_path: Path, queries: list[str]) -> tuple[float, float]:
    index = Index.open(index_path)
    index.search("мемлекет")
    for query in queries:  # warm: postings decoded; what is left is the query's own work
        index.search(query)
    times = [timed(index, query)[0] for query in queries]
    index.close()
    return statistics.median(times), percentile(times, 0.95)


def synonym_groups(words: Counter[str], count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed + 2)
    frequent = [w for w, _ in words.most_common(6000)[60:] if len(w) >= 4]
    rng.shuffle(frequent)
    return [frequent[i:i + 3] for i in range(0, min(count * 3, len(frequent) - 2), 3)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the JSONL the index was built from")
    parser.add_argument("index", type=Path)
    parser.add_argument("--misspellings", type=int, default=200)
    parser.add_argument("--queries", type=int, default=200, help="term queries timed")
    parser.add_argument("--groups", type=int, default=0,
                        help="synonym groups of 3 frequent words to time queries with"
                             " (0: not measured; needs a kzsearch with synonyms)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    import kzsearch

    words = corpus_words(args.corpus)
    index = Index.open(args.index)
    known = set(index._current_snapshot().vocabulary.doc_freq)
    index.close()
    pairs = misspellings(words, known, args.misspellings, args.seed)
    row = suggestion_rows(args.index, pairs, words)
    print(f"kzsearch from {Path(kzsearch.__file__).parent}")
    print("| misspellings | suggested | seen words | the word misspelt |"
          " first search p50 / p95 ms | repeated p50 / p95 ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {row['misspellings']} | {row['suggested']} | {row['seen']} | {row['right']} |"
          f" {row['first p50']:.1f} / {row['first p95']:.1f} |"
          f" {row['repeated p50']:.1f} / {row['repeated p95']:.1f} |")
    with Index.open(args.index) as shown:
        examples = [(typo, timed(shown, typo)[1]) for _, typo in pairs[:8]]
    print("examples:", ", ".join(f"{typo} → {s}" for typo, s in examples))
    queries = term_queries(words, args.queries, args.seed)
    plain = query_times(args.index, queries)
    print(f"\nterm queries ({len(queries)}, repeated), no synonyms: p50 {plain[0]:.2f} ms,"
          f" p95 {plain[1]:.2f} ms")
    if args.groups:
        groups = synonym_groups(words, args.groups, args.seed)
        with Index.open(args.index) as writer:
            started = time.perf_counter()
            writer.set_synonyms(groups)
            stored = time.perf_counter() - started
        try:
            opened = time.perf_counter()
            with Index.open(args.index) as reader:
                reader.search("мемлекет")  # reads the synonyms and makes their table
            loaded = time.perf_counter() - opened
            expanded = query_times(args.index, queries)
        finally:
            with Index.open(args.index) as writer:
                writer.set_synonyms([])
        print(f"with {len(groups)} synonym groups: p50 {expanded[0]:.2f} ms,"
              f" p95 {expanded[1]:.2f} ms (set in {stored * 1000:.0f} ms; open + first search"
              f" {loaded * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
