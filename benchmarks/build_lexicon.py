"""Build ``kzsearch/data/kazakh_stems.txt``: stems attested in public Kazakh text.

The stemmer takes an ambiguous strip (``жері`` → ``жер``, ``халқы`` → ``халық``)
only when the stem it would leave is attested. Attested means: the stemmer with
an empty lexicon, which takes only the unambiguous strips, reduces some corpus
word to it. Sources are permissive public text only (KazNERD CC BY 4.0, SIB-200
CC BY-SA 4.0, KazQAD CC BY-SA 4.0) — never the GPL segmentation corpus or the
UniMorph gold, which are for evaluation.

    python benchmarks/build_lexicon.py [--data ../shared/data] [--min-count 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kzsearch.morph.kazakh import build_stemmer  # noqa: E402
from kzsearch.morph.kazakh_stopwords import STOPWORDS  # noqa: E402
from kzsearch.text.normalize import normalize_text  # noqa: E402

WORD_RE = re.compile("[а-яәғқңөұүһіё]+")
# Letters that only Kazakh uses; a word without them may be Russian, which is fine
# here: Russian words are stems too as far as the strip validation is concerned.
OUTPUT = ROOT / "kzsearch" / "data" / "kazakh_stems.txt"


def corpus_texts(data: Path) -> Iterator[str]:
    """Every public Kazakh text of the shared data folder."""
    with open(data / "text" / "kaznerd" / "IOB2_test.txt", encoding="utf-8") as f:
        words = []
        for line in f:
            parts = line.split()
            if parts:
                words.append(parts[0])
            elif words:
                yield " ".join(words)
                words = []
        if words:
            yield " ".join(words)
    for path in sorted((data / "text" / "sib200-kaz").glob("*.tsv")):
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                yield row["text"]
    with open(data / "kazqad" / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            yield doc["title"]
            yield doc["text"]


def word_counts(data: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in corpus_texts(data):
        counts.update(WORD_RE.findall(normalize_text(text).lower().replace("ё", "е")))
    return counts


def attested_stems(counts: Counter[str], min_count: int) -> list[str]:
    """Stems that the unambiguous strips reach from corpus words seen often enough."""
    stemmer = build_stemmer(frozenset())
    stems: Counter[str] = Counter()
    for word, n in counts.items():
        stems[stemmer.stem(word)] += n
    return sorted(s for s, n in stems.items()
                  if n >= min_count and len(s) >= 2 and s not in STOPWORDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--min-count", type=int, default=1)
    args = parser.parse_args()
    stems = attested_stems(word_counts(args.data), args.min_count)
    OUTPUT.write_text("\n".join(stems) + "\n", encoding="utf-8")
    print(f"{len(stems)} stems -> {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
